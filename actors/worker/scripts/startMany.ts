/** @module worker/scripts/startMany — mark a batch of leased tasks running, creating records for raw items. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * One call per leased batch instead of one per task: the worker's per-task
 * Redis cost is what bounds its throughput (STACK.md: ioredis spends 11–20 µs
 * per command). The task keys travel in ARGV because their number varies; each
 * carries the `{prefix}` hash tag of KEYS[1], so all live in KEYS[1]'s slot
 * (the caller checks this) and the script stays cluster-safe.
 *
 * Per item the reply is `{code, attempts, max_attempts}`: code 0 = run it;
 * -1 = no record and none to create (deleted or expired: drop the item);
 * -2 = already succeeded or failed (a duplicate after a recovery: drop it).
 */
export const startMany: Script = {
  name: "fluxgate_startMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set, score = created ms); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] handled_by (worker instance id)
-- ARGV[4] number of items
-- then per item: task key (hash), task id, n (count of field/value strings, 0 = must exist), n strings
local rcall = redis.call
local out = {}
local i = 5
for item = 1, tonumber(ARGV[4]) do
  local key, id, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local status = rcall("HGET", key, "status")
  local code = 0
  if not status then
    if n > 0 then
      rcall("HSET", key, unpack(ARGV, i + 3, i + 2 + n))
      rcall("ZADD", KEYS[1], ARGV[1], id)
      status = "queued"
    else
      code = -1
    end
  end
  i = i + 3 + n
  local attempts, max = 0, 0
  if code == 0 then
    local r = rcall("HMGET", key, "attempts", "max_attempts")
    attempts = tonumber(r[1] or "0")
    max = tonumber(r[2] or "1")
    if status == "succeeded" or status == "failed" then
      code = -2
    else
      rcall("HSET", key, "status", "running", "handled_by", ARGV[3], "updated_at", ARGV[1])
      rcall("PEXPIRE", key, ARGV[2])
    end
  end
  out[item] = {code, attempts, max}
end
return out
`,
  embedded: (store, keys, argv) => {
    const [now, ttl, handledBy, count] = argv
    const out: Array<Array<number>> = []
    let i = 4
    for (let item = 0; item < Number(count); item++) {
      const key = argv[i]
      const id = argv[i + 1]
      const n = Number(argv[i + 2])
      let status = store.hget(key, "status")
      let code = 0
      if (status === null) {
        if (n > 0) {
          const fields: Record<string, string> = {}
          for (let f = i + 3; f < i + 3 + n; f += 2) fields[argv[f]] = argv[f + 1]
          store.hset(key, fields)
          store.zadd(keys[0], Number(now), id)
          status = "queued"
        } else {
          code = -1
        }
      }
      i += 3 + n
      let attempts = 0
      let max = 0
      if (code === 0) {
        attempts = Number(store.hget(key, "attempts") ?? "0")
        max = Number(store.hget(key, "max_attempts") ?? "1")
        if (status === "succeeded" || status === "failed") code = -2
        else {
          store.hset(key, { status: "running", handled_by: handledBy, updated_at: now })
          store.pexpire(key, Number(ttl))
        }
      }
      out.push([code, attempts, max])
    }
    return out
  }
}
