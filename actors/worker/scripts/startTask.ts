/** @module worker/scripts/startTask — mark a leased task running (creating the record of a raw item). */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Reply `{code, attempts, max_attempts}`: code 0 = run it; -1 = no record and
 * none to create (deleted or expired: drop the item); -2 = already succeeded
 * or failed (a duplicate delivery after a recovery: drop it, never run twice).
 */
export const startTask: Script = {
  name: "fluxgate_startTask",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] task record (hash)
-- KEYS[2] task index (sorted set, score = created ms)
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] handled_by (worker instance id)
-- ARGV[4] task id
-- ARGV[5] "1" to create the record from ARGV[6..] when missing, else "0"
-- ARGV[6..] record field, value pairs for a new record
local rcall = redis.call
local status = rcall("HGET", KEYS[1], "status")
if not status then
  if ARGV[5] ~= "1" then return {-1, 0, 0} end
  rcall("HSET", KEYS[1], unpack(ARGV, 6))
  rcall("ZADD", KEYS[2], ARGV[1], ARGV[4])
  status = "queued"
end
local attempts = tonumber(rcall("HGET", KEYS[1], "attempts") or "0")
local max = tonumber(rcall("HGET", KEYS[1], "max_attempts") or "1")
if status == "succeeded" or status == "failed" then return {-2, attempts, max} end
rcall("HSET", KEYS[1], "status", "running", "handled_by", ARGV[3], "updated_at", ARGV[1])
rcall("PEXPIRE", KEYS[1], ARGV[2])
return {0, attempts, max}
`,
  embedded: (store, keys, argv) => {
    const [now, ttl, handledBy, id, create] = argv
    let status = store.hget(keys[0], "status")
    if (status === null) {
      if (create !== "1") return [-1, 0, 0]
      const fields: Record<string, string> = {}
      for (let i = 5; i + 1 < argv.length; i += 2) fields[argv[i]] = argv[i + 1]
      store.hset(keys[0], fields)
      store.zadd(keys[1], Number(now), id)
      status = "queued"
    }
    const attempts = Number(store.hget(keys[0], "attempts") ?? "0")
    const max = Number(store.hget(keys[0], "max_attempts") ?? "1")
    if (status === "succeeded" || status === "failed") return [-2, attempts, max]
    store.hset(keys[0], { status: "running", handled_by: handledBy, updated_at: now })
    store.pexpire(keys[0], Number(ttl))
    return [0, attempts, max]
  }
}
