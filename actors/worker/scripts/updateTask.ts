/** @module worker/scripts/updateTask — change an existing task record, optionally only from one status. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Never recreates a deleted or expired record (a plain HSET would leave a
 * half record without a TTL). Reply `{updated (1/0), status before}`; status
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
local rcall = redis.call
local status = rcall("HGET", KEYS[1], "status")
if not status then return {0, ""} end
if ARGV[2] ~= "" and status ~= ARGV[2] then return {0, status} end
rcall("HSET", KEYS[1], unpack(ARGV, 3))
rcall("PEXPIRE", KEYS[1], ARGV[1])
return {1, status}
`,
  embedded: (store, keys, argv) => {
    const status = store.hget(keys[0], "status")
    if (status === null) return [0, ""]
    if (argv[1] !== "" && status !== argv[1]) return [0, status]
    const fields: Record<string, string> = {}
    for (let i = 2; i + 1 < argv.length; i += 2) fields[argv[i]] = argv[i + 1]
    store.hset(keys[0], fields)
    store.pexpire(keys[0], Number(argv[0]))
    return [1, status]
  }
}
