/** @module worker/scripts/register — add or remove a consumer in a queue's consumer set. */
import type { Script } from "../../../src/broker/Script.ts"

/** Reply: 1 if the set changed. */
export const register: Script = {
  name: "fluxgate_register",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] consumers of the queue (set)
-- ARGV[1] "add" or "remove"
-- ARGV[2] consumer name
local rcall = redis.call
if ARGV[1] == "add" then return rcall("SADD", KEYS[1], ARGV[2]) end
return rcall("SREM", KEYS[1], ARGV[2])
`,
  embedded: (store, keys, argv) => (argv[0] === "add" ? store.sadd(keys[0], argv[1]) : store.srem(keys[0], argv[1]))
}
