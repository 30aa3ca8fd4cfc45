/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/** ARGV for `finishMany`; the successes travel as ONE JSON argument (ioredis spends ≈ 1 µs per argument). */
export const finishManyArgv = (
  now: number,
  ttlMs: number,
  taskKeyPrefix: string,
  handledBy: string,
  successes: ReadonlyArray<{ readonly taskId: string; readonly result: string }>
): Array<string> => {
  const rows: Array<[string, string]> = new Array(successes.length)
  for (let i = 0; i < successes.length; i++) rows[i] = [successes[i].taskId, successes[i].result]
  return [String(now), String(ttlMs), taskKeyPrefix, handledBy, JSON.stringify(rows)]
}

/**
 * Per task: the attempt is the record's finished attempts + 1, `handled_by`
 * this worker, the TTL renewed. Never recreates a deleted or expired record,
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
-- ARGV[5] the successes, JSON: [[task id, result JSON], …]
local rcall = redis.call${EXPIRE_AT_LUA}
local now, prefix, handledBy = ARGV[1], ARGV[3], ARGV[4]
local deadline = expireAt(ARGV[2])
local updated = 0
for _, row in ipairs(cjson.decode(ARGV[5])) do
  local key = prefix .. row[1]
  local r = rcall("HMGET", key, "status", "attempts")
  local status = r[1]
  if status and status ~= "succeeded" and status ~= "failed" then
    rcall("HSET", key, "status", "succeeded", "attempts", tonumber(r[2] or "0") + 1, "result", row[2],
      "error", "", "handled_by", handledBy, "updated_at", now)
    rcall("PEXPIREAT", key, deadline)
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    const [now, ttl, prefix, handledBy] = argv
    let updated = 0
    for (const [id, result] of JSON.parse(argv[4]) as Array<[string, string]>) {
      const key = prefix + id
      const status = store.hget(key, "status")
      if (status === null || status === "succeeded" || status === "failed") continue
      const attempts = String(Number(store.hget(key, "attempts") ?? "0") + 1)
      store.hset(key, { status: "succeeded", attempts, result, error: "", handled_by: handledBy, updated_at: now })
      store.pexpire(key, Number(ttl))
      updated++
    }
    return updated
  }
}
