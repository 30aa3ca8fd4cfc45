/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"
import { EXPIRE_AT_LUA, renewsOnSuccess } from "./expireAt.ts"

/** One success as finishMany records it. */
export interface FinishRow {
  readonly taskId: string
  /** The result as JSON. */
  readonly result: string
  /** The envelope's `created_at` (ms): whether the record's TTL is renewed (scripts/expireAt). */
  readonly createdAt: number
}

/**
 * ARGV for `finishMany`: five shared values, then each success as two plain
 * arguments (id, result JSON) rather than one JSON array Redis decodes with
 * `cjson` (see ackMany's argv) — the successes whose TTL is renewed first,
 * their count in the fifth.
 */
export const finishManyArgv = (
  now: number,
  ttlMs: number,
  taskKeyPrefix: string,
  handledBy: string,
  successes: ReadonlyArray<FinishRow>
): Array<string> => {
  const argv: Array<string> = new Array(5 + 2 * successes.length)
  argv[0] = String(now)
  argv[1] = String(ttlMs)
  argv[2] = taskKeyPrefix
  argv[3] = handledBy
  let renewing = 0
  let kept = successes.length
  for (const success of successes) {
    const row = renewsOnSuccess(now, success.createdAt, ttlMs) ? renewing++ : --kept
    argv[5 + 2 * row] = success.taskId
    argv[6 + 2 * row] = success.result
  }
  argv[4] = String(renewing)
  return argv
}

/**
 * Per task: the attempt is the record's finished attempts + 1, `handled_by`
 * this worker (an earlier attempt's `error` stays: task/currentError ignores
 * it once the task succeeded); for the first ARGV[5] tasks (queued long enough
 * ago, see scripts/expireAt) the TTL is renewed and its deadline written as
 * `expires_at`. Never recreates a deleted or expired record, and never records
 * a second success (or overwrites a death) for a task already finished — a
 * duplicate after a recovery, or a pure task computed twice (worker/direct).
 * Task keys are ARGV[3] .. id and share KEYS[1]'s hash tag (see startMany).
 * Reply: how many records were updated.
 */
export const finishMany: Script = {
  name: "fluxgate_finishMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] task key prefix (task key = prefix .. id)
-- ARGV[4] handled_by (worker instance id)
-- ARGV[5] how many of the successes (the first ones) renew the TTL
-- ARGV[6..] the successes, two arguments each: task id, result JSON
local rcall = redis.call${EXPIRE_AT_LUA}
local now, prefix, handledBy = ARGV[1], ARGV[3], ARGV[4]
local renewedBelow = 6 + 2 * tonumber(ARGV[5])
-- TIME only when some success renews
local deadline = renewedBelow > 6 and expireAt(ARGV[2])
local updated = 0
for at = 6, #ARGV - 1, 2 do
  local key = prefix .. ARGV[at]
  local r = rcall("HMGET", key, "status", "attempts")
  local status = r[1]
  if status and status ~= "succeeded" and status ~= "failed" then
    if at < renewedBelow then
      rcall("HSET", key, "status", "succeeded", "attempts", tonumber(r[2] or "0") + 1, "result", ARGV[at + 1],
        "handled_by", handledBy, "updated_at", now, "expires_at", deadline)
      rcall("PEXPIREAT", key, deadline)
    else
      rcall("HSET", key, "status", "succeeded", "attempts", tonumber(r[2] or "0") + 1, "result", ARGV[at + 1],
        "handled_by", handledBy, "updated_at", now)
    end
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    const [now, ttl, prefix, handledBy, renewing] = argv
    const deadline = store.now() + Number(ttl)
    const renewedBelow = 5 + 2 * Number(renewing)
    let updated = 0
    for (let at = 5; at + 1 < argv.length; at += 2) {
      const id = argv[at]
      const result = argv[at + 1]
      const key = prefix + id
      const status = store.hget(key, "status")
      if (status === null || status === "succeeded" || status === "failed") continue
      const attempts = String(Number(store.hget(key, "attempts") ?? "0") + 1)
      store.hset(key, { status: "succeeded", attempts, result, handled_by: handledBy, updated_at: now })
      if (at < renewedBelow) {
        store.hset(key, { expires_at: String(deadline) })
        store.pexpireAt(key, deadline)
      }
      updated++
    }
    return updated
  }
}
