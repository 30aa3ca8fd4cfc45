/** @module worker/scripts/createMany — create many task records in one call (bulk enqueue). */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Task keys travel in ARGV and share KEYS[1]'s hash tag (see startMany).
 * Also drops index entries older than the record TTL. Reply: how many were created.
 */
export const createMany: Script = {
  name: "fluxgate_createMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set, score = created ms); every task key below shares its hash tag
-- ARGV[1] record TTL in ms
-- ARGV[2] now (ms)
-- ARGV[3] number of items
-- ARGV[4] n: field/value strings per record
-- then per item: task key (hash), task id, n strings
local rcall = redis.call
local n = tonumber(ARGV[4])
local i = 5
for item = 1, tonumber(ARGV[3]) do
  rcall("HSET", ARGV[i], unpack(ARGV, i + 2, i + 1 + n))
  rcall("PEXPIRE", ARGV[i], ARGV[1])
  rcall("ZADD", KEYS[1], ARGV[2], ARGV[i + 1])
  i = i + 2 + n
end
rcall("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. (tonumber(ARGV[2]) - tonumber(ARGV[1])))
return tonumber(ARGV[3])
`,
  embedded: (store, keys, argv) => {
    const [ttl, now, count, n] = argv.map(Number)
    let i = 4
    for (let item = 0; item < count; item++) {
      const fields: Record<string, string> = {}
      for (let f = i + 2; f < i + 2 + n; f += 2) fields[argv[f]] = argv[f + 1]
      store.hset(argv[i], fields)
      store.pexpire(argv[i], ttl)
      store.zadd(keys[0], now, argv[i + 1])
      i += 2 + n
    }
    const stale = store.zrangeByScore(keys[0], -Infinity, now - ttl - 1)
    if (stale.length > 0) store.zrem(keys[0], ...stale)
    return count
  }
}
