/** @module worker/scripts/createTask — create a task record once per idempotency key, atomically. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * SET NX on the idempotency key and the record's creation happen together, so
 * two concurrent POSTs with one key cannot both create (and both run) a task.
 * Also drops index entries older than the record TTL, so the index stays bounded.
 *
 * Reply: `{1, id}` created, or `{0, existingId}` when the key was already used.
 */
export const createTask: Script = {
  name: "fluxgate_createTask",
  numberOfKeys: 3,
  lua: `
-- KEYS[1] idempotency key (string → task id); ignored when ARGV[1] = "0"
-- KEYS[2] task record (hash)
-- KEYS[3] task index (sorted set, score = created ms)
-- ARGV[1] "1" to use the idempotency key, else "0"
-- ARGV[2] record TTL in ms (also the idempotency key's TTL)
-- ARGV[3] now (ms)
-- ARGV[4] task id
-- ARGV[5..] record field, value pairs
local rcall = redis.call
if ARGV[1] == "1" then
  if not rcall("SET", KEYS[1], ARGV[4], "NX", "PX", ARGV[2]) then
    return {0, rcall("GET", KEYS[1])}
  end
end
rcall("HSET", KEYS[2], unpack(ARGV, 5))
rcall("PEXPIRE", KEYS[2], ARGV[2])
rcall("ZADD", KEYS[3], ARGV[3], ARGV[4])
rcall("ZREMRANGEBYSCORE", KEYS[3], "-inf", "(" .. (tonumber(ARGV[3]) - tonumber(ARGV[2])))
return {1, ARGV[4]}
`,
  embedded: (store, keys, argv) => {
    const [useIdem, ttl, now, id] = argv
    if (useIdem === "1" && !store.set(keys[0], id, { nx: true, pxMs: Number(ttl) })) return [0, store.get(keys[0])]
    const fields: Record<string, string> = {}
    for (let i = 4; i + 1 < argv.length; i += 2) fields[argv[i]] = argv[i + 1]
    store.hset(keys[1], fields)
    store.pexpire(keys[1], Number(ttl))
    store.zadd(keys[2], Number(now), id)
    const stale = store.zrangeByScore(keys[2], -Infinity, Number(now) - Number(ttl) - 1)
    if (stale.length > 0) store.zrem(keys[2], ...stale)
    return [1, id]
  }
}
