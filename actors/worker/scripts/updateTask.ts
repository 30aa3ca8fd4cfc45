/** @module worker/scripts/updateTask — change an existing task record, optionally only from one status. */
import type { Script } from "../../../src/broker/Script.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/**
 * Never recreates a deleted or expired record (a plain HSET would leave a
 * half record without a TTL). The TTL is renewed, its deadline written as
 * `expires_at` (see scripts/expireAt). Reply `{updated (1/0), status before}`; status
 * is "" when the record is missing.
 */
export const updateTask: Script = {
  name: "fluxgate_updateTask",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task record (hash)
-- ARGV[1] record TTL in ms
-- ARGV[2] required current status ("" = any)
-- ARGV[3..] field, value pairs
local rcall = redis.call${EXPIRE_AT_LUA}
local status = rcall("HGET", KEYS[1], "status")
if not status then return {0, ""} end
if ARGV[2] ~= "" and status ~= ARGV[2] then return {0, status} end
local deadline = expireAt(ARGV[1])
rcall("HSET", KEYS[1], "expires_at", deadline, unpack(ARGV, 3))
rcall("PEXPIREAT", KEYS[1], deadline)
return {1, status}
`,
  embedded: (store, keys, argv) => {
    const status = store.hget(keys[0], "status")
    if (status === null) return [0, ""]
    if (argv[1] !== "" && status !== argv[1]) return [0, status]
    const deadline = store.now() + Number(argv[0])
    const fields: Record<string, string> = { expires_at: String(deadline) }
    for (let i = 2; i + 1 < argv.length; i += 2) fields[argv[i]] = argv[i + 1]
    store.hset(keys[0], fields)
    store.pexpireAt(keys[0], deadline)
    return [1, status]
  }
}
