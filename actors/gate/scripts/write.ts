/** @module gate/scripts/write — deliver a message to an awaiting gate: store it, queue it for one waiter, go idle. */
import type { Script } from "../../../src/broker/Script.ts"
import { expireIfDue, expireLua } from "./expire.ts"

/** Inbox items left unread (nobody waited) are capped so a gate nobody serves can't grow without bound. */
export const INBOX_MAX = 100

/**
 * The inbox item is `<gen>:<now>:<message>` so a waiter knows which round it
 * answers; it is pushed in the same step that sets `idle`, so a waiter that
 * starts blocking only afterwards still finds it.
 * Reply: `{1, generation}` delivered; `{-1, state}` when not awaiting (→ 409).
 */
export const writeGate: Script = {
  name: "gate_write",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] hash    the gate
-- KEYS[2] list    the gate's inbox (LPUSH here, waiters BRPOP)
-- ARGV[1] now (ms)
-- ARGV[2] message
-- ARGV[3] inbox cap
local rcall = redis.call
${expireLua}
local now = tonumber(ARGV[1])
expireIfDue(KEYS[1], now)
local state = rcall("HGET", KEYS[1], "state")
if state ~= "awaiting" then
  return { -1, state or "idle" }
end
local gen = rcall("HGET", KEYS[1], "gen") or "0"
rcall("HSET", KEYS[1], "state", "idle", "message", ARGV[2], "message_at", ARGV[1],
  "outcome", "message", "ended_at", ARGV[1])
rcall("LPUSH", KEYS[2], gen .. ":" .. ARGV[1] .. ":" .. ARGV[2])
local cap = tonumber(ARGV[3])
while rcall("LLEN", KEYS[2]) > cap do rcall("RPOP", KEYS[2]) end
return { 1, gen }
`,
  embedded: (store, keys, argv) => {
    const [key, inbox] = keys
    expireIfDue(store, key, Number(argv[0]))
    const state = store.hget(key, "state")
    if (state !== "awaiting") return [-1, state ?? "idle"]
    const gen = store.hget(key, "gen") ?? "0"
    store.hset(key, { state: "idle", message: argv[1], message_at: argv[0], outcome: "message", ended_at: argv[0] })
    store.lpush(inbox, `${gen}:${argv[0]}:${argv[1]}`)
    const cap = Number(argv[2])
    while (store.llen(inbox) > cap) store.rpop(inbox)
    return [1, gen]
  }
}
