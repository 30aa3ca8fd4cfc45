/** @module broker/redis/scripts/claimIdle — claim idle pending entries and report their delivery counts, atomically. */
import type { RedisScript } from "../scripts.ts"

/**
 * XPENDING … IDLE finds the entries and their delivery counts; XCLAIM (which
 * re-checks the idle time and adds one delivery) moves them. Running both in
 * one script means no other replica can claim or ack in between, so the
 * count reported is exactly the one Redis now holds.
 *
 * Reply: `{ {id, deliveries, {field, value, …}}, … }`.
 */
export const claimIdle: RedisScript = {
  name: "claimIdle",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] stream (stream)
-- ARGV[1] group
-- ARGV[2] consumer that takes the entries
-- ARGV[3] minimum idle time in ms
-- ARGV[4] most entries to claim
local rcall = redis.call
local pending = rcall("XPENDING", KEYS[1], ARGV[1], "IDLE", ARGV[3], "-", "+", ARGV[4])
if #pending == 0 then return {} end
local ids, counts = {}, {}
for i, entry in ipairs(pending) do
  ids[i] = entry[1]
  counts[entry[1]] = entry[4]
end
local claimed = rcall("XCLAIM", KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))
local out = {}
for _, entry in ipairs(claimed) do
  -- Redis 6 answers a deleted entry with nil (false in Lua); Redis 7 drops it from the PEL.
  if entry and entry[2] then
    out[#out + 1] = { entry[1], counts[entry[1]] + 1, entry[2] }
  end
end
return out
`
}
