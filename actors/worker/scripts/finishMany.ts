/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"
import { EXPIRE_AT_LUA, renews, RENEWS_LUA } from "./expireAt.ts"

/**
 * ARGV for `finishMany`: four shared values, then each success as two plain
 * arguments (id, result JSON) rather than one JSON array Redis decodes with
 * `cjson` (see ackMany's argv).
 */
export const finishManyArgv = (
  now: number,
  ttlMs: number,
  taskKeyPrefix: string,
  handledBy: string,
  successes: ReadonlyArray<{ readonly taskId: string; readonly result: string }>
): Array<string> => {
  const argv: Array<string> = new Array(4 + 2 * successes.length)
  argv[0] = String(now)
  argv[1] = String(ttlMs)
  argv[2] = taskKeyPrefix
  argv[3] = handledBy
  for (let i = 0, at = 4; i < successes.length; i++, at += 2) {
    argv[at] = successes[i].taskId
    argv[at + 1] = successes[i].result
  }
  return argv
}

/**
 * Per task: the attempt is the record's finished attempts + 1, `handled_by`
 * this worker, the TTL renewed unless the record's `expires_at` is already
 * within 1% of a fresh deadline (scripts/expireAt: one command per task less).
 * Never recreates a deleted or expired record,
 * and never records a second success (or overwrites a death) for a task
 * already finished — a duplicate after a recovery, or a pure task computed
 * twice (worker/direct). Task keys are ARGV[3] .. id and share KEYS[1]'s hash
 * tag (see startMany). Reply: how many records were updated.
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
-- ARGV[5..] the successes, two arguments each: task id, result JSON
local rcall = redis.call${EXPIRE_AT_LUA}${RENEWS_LUA}
local now, ttl, prefix, handledBy = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local deadline = expireAt(ttl)
local updated = 0
for at = 5, #ARGV - 1, 2 do
  local key = prefix .. ARGV[at]
  local r = rcall("HMGET", key, "status", "attempts", "expires_at")
  local status = r[1]
  if status and status ~= "succeeded" and status ~= "failed" then
    local attempts = tonumber(r[2] or "0") + 1
    if renews(r[3], deadline, ttl) then
      rcall("HSET", key, "status", "succeeded", "attempts", attempts, "result", ARGV[at + 1],
        "error", "", "handled_by", handledBy, "updated_at", now, "expires_at", deadline)
      rcall("PEXPIREAT", key, deadline)
    else
      rcall("HSET", key, "status", "succeeded", "attempts", attempts, "result", ARGV[at + 1],
        "error", "", "handled_by", handledBy, "updated_at", now)
    end
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    const [now, ttl, prefix, handledBy] = argv
    const ttlMs = Number(ttl)
    const deadline = store.now() + ttlMs
    let updated = 0
    for (let at = 4; at + 1 < argv.length; at += 2) {
      const id = argv[at]
      const result = argv[at + 1]
      const key = prefix + id
      const status = store.hget(key, "status")
      if (status === null || status === "succeeded" || status === "failed") continue
      const attempts = String(Number(store.hget(key, "attempts") ?? "0") + 1)
      store.hset(key, { status: "succeeded", attempts, result, error: "", handled_by: handledBy, updated_at: now })
      if (renews(store.hget(key, "expires_at"), deadline, ttlMs)) {
        store.hset(key, { expires_at: String(deadline) })
        store.pexpireAt(key, deadline)
      }
      updated++
    }
    return updated
  }
}
