/** @module gate/scripts/timeout — end an awaiting round whose deadline has passed (idle, outcome `timeout`). */
import type { Script } from "../../../src/broker/Script.ts"
import { expireIfDue, expireLua } from "./expire.ts"

/**
 * Used by a waiter whose deadline arrived and by readers of the gate's state.
 * Reply: 1 when this call timed the gate out, 0 otherwise (not due, already
 * answered, or — with a generation given — a later round).
 */
export const timeoutGate: Script = {
  name: "gate_timeout",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] hash    the gate
-- ARGV[1] now (ms)
-- ARGV[2] generation the caller waits for ("" = whichever round is current)
local rcall = redis.call
${expireLua}
if ARGV[2] ~= "" and (rcall("HGET", KEYS[1], "gen") or "0") ~= ARGV[2] then return 0 end
if expireIfDue(KEYS[1], tonumber(ARGV[1])) then return 1 end
return 0
`,
  embedded: (store, keys, argv) => {
    const [key] = keys
    if (argv[1] !== "" && (store.hget(key, "gen") ?? "0") !== argv[1]) return 0
    return expireIfDue(store, key, Number(argv[0])) ? 1 : 0
  }
}
