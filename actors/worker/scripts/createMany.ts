/**
 * @module worker/scripts/createMany — create many task records in one call
 * (bulk enqueue). The fields every record of the batch shares travel once, as
 * one JSON argument; per record only what differs travels, as four plain
 * arguments (id, type, payload, max attempts). Plain arguments rather than one
 * JSON array: Redis has parsed them into strings before the script starts,
 * where decoding the records with `cjson` cost it ≈ 0.5–1 µs per record; on
 * standalone Redis scripts go over the raw pipe (broker/redis/scripts), where
 * an argument costs the client little more than its bytes (through ioredis,
 * ≈ 1.5–2 µs more per task). Repeating the shared fields per record would cost
 * both sides an encode/decode each.
 */
import type { Script } from "../../../src/broker/Script.ts"
import { TASK_INDEX_MAX } from "../task.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/**
 * How long a batch's counter outlives its last slice: the push that reads it
 * follows within a round trip (or, after a NOSCRIPT, within the reply timeout);
 * one that never comes (the process died) leaves it to expire.
 */
const BATCH_COUNTER_TTL_MS = 10 * 60_000

/** One record of a `createMany` batch: what is not shared with the others. */
export interface CreateItem {
  readonly id: string
  readonly type: string
  /** The payload as JSON text (stored as is). */
  readonly payloadJson: string
  readonly maxAttempts: number
}

/** ARGV for `createMany`: `[ttlMs, taskKeyPrefix, shared fields JSON, id, type, payload, max_attempts, id, …]` (created_at is a shared field). */
export const createManyArgv = (
  ttlMs: number,
  taskKeyPrefix: string,
  /** The fields every record shares, flat: `[field, value, …]`. */
  shared: ReadonlyArray<string>,
  items: ReadonlyArray<CreateItem>
): Array<string> => {
  const argv: Array<string> = new Array(3 + 4 * items.length)
  argv[0] = String(ttlMs)
  argv[1] = taskKeyPrefix
  argv[2] = JSON.stringify(shared)
  for (let i = 0, at = 3; i < items.length; i++, at += 4) {
    const item = items[i]
    argv[at] = item.id
    argv[at + 1] = item.type
    argv[at + 2] = item.payloadJson
    argv[at + 3] = String(item.maxAttempts)
  }
  return argv
}

/**
 * Each record: `type`, `payload`, `max_attempts` from its row, plus the
 * shared fields, and the TTL. The records are copied from a template hash made
 * in this call (the shared fields, the first row's type and max attempts, the
 * TTL) and then given their payload: COPY duplicates the template's listpack
 * and keeps its expiry, which costs Redis ≈ 1 µs less per record than an HSET
 * of every field plus a PEXPIREAT (3.5 against 4.4–5.0 µs in a loop of 20,000,
 * three times). The template is deleted before the script ends, so no client
 * ever sees it. COPY needs Redis ≥ 6.2. Task keys are ARGV[2] .. id and share
 * KEYS[1]'s hash tag (see startMany), as does the template. The ids go to the
 * head of the index (trimmed to TASK_INDEX_MAX). Last, the batch's counter
 * (KEYS[3], pushBatch) grows by the records created. Reply: how many were created.
 */
export const createMany: Script = {
  name: "fluxgate_createMany",
  numberOfKeys: 3,
  lua: `
-- KEYS[1] task index (list of ids, newest first); every task key below shares its hash tag
-- KEYS[2] scratch key for the template record (exists only during this call)
-- KEYS[3] the batch's counter of created records (see pushBatch)
-- ARGV[1] record TTL in ms
-- ARGV[2] task key prefix (task key = prefix .. id)
-- ARGV[3] fields every record shares, JSON: [field, value, …]
-- ARGV[4..] the records, four arguments each: id, type, payload, max_attempts
local rcall = redis.call${EXPIRE_AT_LUA}
local prefix, template = ARGV[2], KEYS[2]
local last = #ARGV - 3
if last < 4 then return 0 end
local count = (#ARGV - 3) / 4
local tplType, tplMax = ARGV[5], ARGV[7]
local deadline = expireAt(ARGV[1])
rcall("DEL", template)
rcall("HSET", template, "type", tplType, "max_attempts", tplMax, "expires_at", deadline, unpack(cjson.decode(ARGV[3])))
rcall("PEXPIREAT", template, deadline)
local ids = {}
for at = 4, last, 4 do
  local id = ARGV[at]
  local key = prefix .. id
  local rowType, rowMax = ARGV[at + 1], ARGV[at + 3]
  rcall("COPY", template, key)
  if rowType == tplType and rowMax == tplMax then
    rcall("HSET", key, "payload", ARGV[at + 2])
  else
    rcall("HSET", key, "type", rowType, "payload", ARGV[at + 2], "max_attempts", rowMax)
  end
  ids[#ids + 1] = id
  -- one LPUSH per 200 records: fewer calls, and unpack stays far below Lua's stack limit
  if #ids >= 200 or at == last then
    rcall("LPUSH", KEYS[1], unpack(ids))
    ids = {}
  end
end
rcall("DEL", template)
rcall("LTRIM", KEYS[1], 0, ${TASK_INDEX_MAX - 1})
-- the last write: a counter that says "all created" only when every slice got this far
rcall("INCRBY", KEYS[3], count)
rcall("PEXPIRE", KEYS[3], ${BATCH_COUNTER_TTL_MS})
return count
`,
  embedded: (store, keys, argv) => {
    const ttl = Number(argv[0])
    const prefix = argv[1]
    const flatShared = JSON.parse(argv[2]) as Array<string>
    const shared: Record<string, string> = {}
    for (let f = 0; f + 1 < flatShared.length; f += 2) shared[flatShared[f]] = flatShared[f + 1]
    const deadline = store.now() + ttl
    for (let at = 3; at + 3 < argv.length; at += 4) {
      const id = argv[at]
      store.hset(prefix + id, { type: argv[at + 1], payload: argv[at + 2], max_attempts: argv[at + 3], expires_at: String(deadline), ...shared })
      store.pexpireAt(prefix + id, deadline)
      store.lpush(keys[0], id)
    }
    store.ltrim(keys[0], 0, TASK_INDEX_MAX - 1)
    const count = (argv.length - 3) / 4
    store.incrBy(keys[2], count)
    store.pexpire(keys[2], BATCH_COUNTER_TTL_MS)
    return count
  }
}
