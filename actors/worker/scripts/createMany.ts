/**
 * @module worker/scripts/createMany — create many task records in one call
 * (bulk enqueue). The batch travels as two JSON arguments decoded by Redis's
 * `cjson`: the fields every record of the batch shares, once, and per record
 * only what differs (id, type, payload, max attempts). Per-argument client
 * work was most of a bulk enqueue's CPU when each record travelled as ~18
 * separate arguments, and repeating the shared fields per record cost both
 * sides an encode/decode each.
 */
import type { Script } from "../../../src/broker/Script.ts"
import { TASK_INDEX_MAX } from "../task.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/** One record of a `createMany` batch: what is not shared with the others. */
export interface CreateItem {
  readonly id: string
  readonly type: string
  /** The payload as JSON text (stored as is). */
  readonly payloadJson: string
  readonly maxAttempts: number
}

/** ARGV for `createMany`: `[ttlMs, taskKeyPrefix, shared fields JSON, items JSON]` (created_at is a shared field). */
export const createManyArgv = (
  ttlMs: number,
  taskKeyPrefix: string,
  /** The fields every record shares, flat: `[field, value, …]`. */
  shared: ReadonlyArray<string>,
  items: ReadonlyArray<CreateItem>
): Array<string> => {
  const rows: Array<Array<string>> = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    rows[i] = [item.id, item.type, item.payloadJson, String(item.maxAttempts)]
  }
  return [String(ttlMs), taskKeyPrefix, JSON.stringify(shared), JSON.stringify(rows)]
}

/**
 * Each record: `type`, `payload`, `max_attempts` from its row, plus
 * the shared fields. Task keys are ARGV[2] .. id and share KEYS[1]'s hash tag
 * (see startMany). The ids go to the head of the index (trimmed to TASK_INDEX_MAX).
 * Reply: how many were created.
 */
export const createMany: Script = {
  name: "fluxgate_createMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (list of ids, newest first); every task key below shares its hash tag
-- ARGV[1] record TTL in ms
-- ARGV[2] task key prefix (task key = prefix .. id)
-- ARGV[3] fields every record shares, JSON: [field, value, …]
-- ARGV[4] the records, JSON: [[id, type, payload, max_attempts], …]
local rcall = redis.call${EXPIRE_AT_LUA}
local prefix = ARGV[2]
local deadline = expireAt(ARGV[1])
local shared = cjson.decode(ARGV[3])
local items = cjson.decode(ARGV[4])
-- one argument table for every HSET: the per-record slots are overwritten each time
local args = {"type", "", "payload", "", "max_attempts", ""}
for i = 1, #shared do args[6 + i] = shared[i] end
local ids = {}
for i = 1, #items do
  local item = items[i]
  local key = prefix .. item[1]
  args[2], args[4], args[6] = item[2], item[3], item[4]
  rcall("HSET", key, unpack(args))
  rcall("PEXPIREAT", key, deadline)
  ids[#ids + 1] = item[1]
  -- one LPUSH per 200 records: fewer calls, and unpack stays far below Lua's stack limit
  if #ids >= 200 or i == #items then
    rcall("LPUSH", KEYS[1], unpack(ids))
    ids = {}
  end
end
rcall("LTRIM", KEYS[1], 0, ${TASK_INDEX_MAX - 1})
return #items
`,
  embedded: (store, keys, argv) => {
    const ttl = Number(argv[0])
    const prefix = argv[1]
    const flatShared = JSON.parse(argv[2]) as Array<string>
    const shared: Record<string, string> = {}
    for (let f = 0; f + 1 < flatShared.length; f += 2) shared[flatShared[f]] = flatShared[f + 1]
    const items = JSON.parse(argv[3]) as Array<[string, string, string, string]>
    for (const [id, type, payload, maxAttempts] of items) {
      store.hset(prefix + id, { type, payload, max_attempts: maxAttempts, ...shared })
      store.pexpire(prefix + id, ttl)
      store.lpush(keys[0], id)
    }
    store.ltrim(keys[0], 0, TASK_INDEX_MAX - 1)
    return items.length
  }
}
