/** @module gate/scripts/start — idle → awaiting, atomically; a second start while awaiting loses. */
import type { Script } from "../../../src/broker/Script.ts"
import { expireIfDue, expireLua } from "./expire.ts"

/**
 * Reply: `{1, generation}` when this call moved the gate to `awaiting`;
 * `{-1, state, started_at}` when it was already awaiting (→ GateBusy, 409).
 * Each start bumps `gen`, so an inbox item names the round it answers.
 */
export const startGate: Script = {
  name: "gate_start",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] hash    the gate (state, prompt, started_at, deadline, waiter, gen, message, message_at, outcome, ended_at)
-- ARGV[1] now (ms)
-- ARGV[2] prompt
-- ARGV[3] timeout in ms ("0" = none)
-- ARGV[4] waiter ("" = whoever joins, e.g. the generator; "task:<id>" for an ask task)
local rcall = redis.call
${expireLua}
local now = tonumber(ARGV[1])
expireIfDue(KEYS[1], now)
if rcall("HGET", KEYS[1], "state") == "awaiting" then
  return { -1, "awaiting", rcall("HGET", KEYS[1], "started_at") or "" }
end
local gen = rcall("HINCRBY", KEYS[1], "gen", 1)
local timeout = tonumber(ARGV[3])
local deadline = ""
if timeout > 0 then deadline = tostring(now + timeout) end
rcall("HSET", KEYS[1], "state", "awaiting", "prompt", ARGV[2], "started_at", ARGV[1],
  "deadline", deadline, "waiter", ARGV[4], "outcome", "", "ended_at", "")
return { 1, tostring(gen) }
`,
  embedded: (store, keys, argv) => {
    const [key] = keys
    const now = Number(argv[0])
    expireIfDue(store, key, now)
    if (store.hget(key, "state") === "awaiting") return [-1, "awaiting", store.hget(key, "started_at") ?? ""]
    const gen = store.hincrBy(key, "gen", 1)
    const timeout = Number(argv[2])
    store.hset(key, {
      state: "awaiting", prompt: argv[1], started_at: argv[0],
      deadline: timeout > 0 ? String(now + timeout) : "", waiter: argv[3], outcome: "", ended_at: ""
    })
    return [1, String(gen)]
  }
}
