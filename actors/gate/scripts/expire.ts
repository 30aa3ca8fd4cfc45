/**
 * @module gate/scripts/expire — the deadline rule every gate script applies
 * first, written once for Lua and once for the embedded store: an `awaiting`
 * gate whose `deadline` (ms) has passed is `idle` with outcome `timeout`.
 * Applying it lazily inside each transition means no sweeper is needed for
 * correctness: a write after the deadline is refused even if no waiter noticed.
 */
import type { EmbeddedStore } from "../../../src/broker/Script.ts"

/** Lua: `expireIfDue(hashKey, nowMs)` → true when it just timed the gate out. */
export const expireLua = `
local function expireIfDue(key, now)
  if rcall("HGET", key, "state") ~= "awaiting" then return false end
  local deadline = tonumber(rcall("HGET", key, "deadline") or "")
  if deadline == nil or deadline > now then return false end
  rcall("HSET", key, "state", "idle", "outcome", "timeout", "ended_at", tostring(deadline))
  return true
end
`

/** The embedded twin of `expireLua`. */
export const expireIfDue = (store: EmbeddedStore, key: string, now: number): boolean => {
  if (store.hget(key, "state") !== "awaiting") return false
  const raw = store.hget(key, "deadline") ?? ""
  const deadline = raw === "" ? NaN : Number(raw)
  if (Number.isNaN(deadline) || deadline > now) return false
  store.hset(key, { state: "idle", outcome: "timeout", ended_at: String(deadline) })
  return true
}
