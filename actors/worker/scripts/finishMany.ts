/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Per task: the attempt is the record's finished attempts + 1, `handled_by`
 * this worker, the TTL renewed. Never recreates a deleted or expired record,
 * and never records a second success (or overwrites a death) for a task
 * already finished — a duplicate after a recovery, or a pure task computed
 * twice (worker/direct). Task keys are ARGV[4] .. id and share KEYS[1]'s hash
 * tag (see startMany). Reply: how many records were updated.
 */
export const finishMany: Script = {
  name: "fluxgate_finishMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] number of items
-- ARGV[4] task key prefix (task key = prefix .. id)
-- ARGV[5] handled_by (worker instance id)
-- then per item: task id, result (JSON)
local rcall = redis.call
local now, ttl, prefix, handledBy = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local updated = 0
for item = 0, tonumber(ARGV[3]) - 1 do
  local key = prefix .. ARGV[6 + item * 2]
  local r = rcall("HMGET", key, "status", "attempts")
  local status = r[1]
  if status and status ~= "succeeded" and status ~= "failed" then
    rcall("HSET", key, "status", "succeeded", "attempts", tonumber(r[2] or "0") + 1, "result", ARGV[7 + item * 2],
      "error", "", "handled_by", handledBy, "updated_at", now)
    rcall("PEXPIRE", key, ttl)
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    const [now, ttl, count, prefix, handledBy] = argv
    let updated = 0
    for (let item = 0; item < Number(count); item++) {
      const key = prefix + argv[5 + item * 2]
      const status = store.hget(key, "status")
      if (status === null || status === "succeeded" || status === "failed") continue
      const attempts = String(Number(store.hget(key, "attempts") ?? "0") + 1)
      store.hset(key, { status: "succeeded", attempts, result: argv[6 + item * 2], error: "", handled_by: handledBy, updated_at: now })
      store.pexpire(key, Number(ttl))
      updated++
    }
    return updated
  }
}
