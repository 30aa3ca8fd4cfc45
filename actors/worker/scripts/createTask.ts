/** @module worker/scripts/createTask — create a task record once per idempotency key, atomically. */
import type { Script } from "../../../src/broker/Script.ts"
import { TASK_INDEX_MAX } from "../task.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/**
 * SET NX on the idempotency key and the record's creation happen together, so
 * two concurrent POSTs with one key cannot both create (and both run) a task.
 * The id goes to the head of the index, which is trimmed to TASK_INDEX_MAX.
 * The record carries its deadline as `expires_at` (see scripts/expireAt).
 *
 * Reply: `{1, id}` created, or `{0, existingId}` when the key was already used.
 */
export const createTask: Script = {
  name: "fluxgate_createTask",
  numberOfKeys: 3,
  lua: `
-- KEYS[1] idempotency key (string → task id); ignored when ARGV[1] = "0"
-- KEYS[2] task record (hash)
-- KEYS[3] task index (list of ids, newest first)
-- ARGV[1] "1" to use the idempotency key, else "0"
-- ARGV[2] record TTL in ms (also the idempotency key's TTL)
-- ARGV[3] task id
-- ARGV[4..] record field, value pairs
local rcall = redis.call${EXPIRE_AT_LUA}
if ARGV[1] == "1" then
  if not rcall("SET", KEYS[1], ARGV[3], "NX", "PX", ARGV[2]) then
    return {0, rcall("GET", KEYS[1])}
  end
end
local deadline = expireAt(ARGV[2])
rcall("HSET", KEYS[2], "expires_at", deadline, unpack(ARGV, 4))
rcall("PEXPIREAT", KEYS[2], deadline)
rcall("LPUSH", KEYS[3], ARGV[3])
rcall("LTRIM", KEYS[3], 0, ${TASK_INDEX_MAX - 1})
return {1, ARGV[3]}
`,
  embedded: (store, keys, argv) => {
    const [useIdem, ttl, id] = argv
    if (useIdem === "1" && !store.set(keys[0], id, { nx: true, pxMs: Number(ttl) })) return [0, store.get(keys[0])]
    const deadline = store.now() + Number(ttl)
    const fields: Record<string, string> = { expires_at: String(deadline) }
    for (let i = 3; i + 1 < argv.length; i += 2) fields[argv[i]] = argv[i + 1]
    store.hset(keys[1], fields)
    store.pexpireAt(keys[1], deadline)
    store.lpush(keys[2], id)
    store.ltrim(keys[2], 0, TASK_INDEX_MAX - 1)
    return [1, id]
  }
}
