/**
 * @module worker/scripts/createMany — create many task records in one call
 * (bulk enqueue), the batch carried as ONE JSON argument decoded by Redis's
 * `cjson`: per-argument client work was most of a bulk enqueue's CPU when each
 * record travelled as ~18 separate arguments.
 */
import type { Script } from "../../../src/broker/Script.ts"

/** ARGV[4] for `createMany`: `[[taskId, field, value, …], …]` as JSON. */
export const encodeRecords = (records: ReadonlyArray<{ readonly id: string; readonly fields: Readonly<Record<string, string>> }>): string => {
  const flat: Array<Array<string>> = new Array(records.length)
  for (let r = 0; r < records.length; r++) {
    const { id, fields } = records[r]
    const item = [id]
    for (const name in fields) item.push(name, fields[name])
    flat[r] = item
  }
  return JSON.stringify(flat)
}

/**
 * Task keys are ARGV[3] .. id and share KEYS[1]'s hash tag (see startMany).
 * Also drops index entries older than the record TTL. Reply: how many were created.
 */
export const createMany: Script = {
  name: "fluxgate_createMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set, score = created ms); every task key below shares its hash tag
-- ARGV[1] record TTL in ms
-- ARGV[2] now (ms)
-- ARGV[3] task key prefix (task key = prefix .. id)
-- ARGV[4] the records, JSON: [[id, field, value, …], …]
local rcall = redis.call
local items = cjson.decode(ARGV[4])
local ttl, now, prefix = ARGV[1], ARGV[2], ARGV[3]
local scored = {}
for i = 1, #items do
  local item = items[i]
  local key = prefix .. item[1]
  rcall("HSET", key, unpack(item, 2))
  rcall("PEXPIRE", key, ttl)
  scored[#scored + 1] = now
  scored[#scored + 1] = item[1]
  -- one ZADD per 200 records: fewer calls, and unpack stays far below Lua's stack limit
  if #scored >= 400 or i == #items then
    rcall("ZADD", KEYS[1], unpack(scored))
    scored = {}
  end
end
rcall("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. (tonumber(now) - tonumber(ttl)))
return #items
`,
  embedded: (store, keys, argv) => {
    const [ttl, now] = [Number(argv[0]), Number(argv[1])]
    const prefix = argv[2]
    const items = JSON.parse(argv[3]) as Array<Array<string>>
    for (const [id, ...flat] of items) {
      const fields: Record<string, string> = {}
      for (let f = 0; f + 1 < flat.length; f += 2) fields[flat[f]] = flat[f + 1]
      store.hset(prefix + id, fields)
      store.pexpire(prefix + id, ttl)
      store.zadd(keys[0], now, id)
    }
    const stale = store.zrangeByScore(keys[0], -Infinity, now - ttl - 1)
    if (stale.length > 0) store.zrem(keys[0], ...stale)
    return items.length
  }
}
