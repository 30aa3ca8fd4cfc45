/** @module worker/scripts/pushBatch — queue a bulk enqueue's envelopes only once all its records exist. */
import type { Script } from "../../../src/broker/Script.ts"

/** Envelopes per LPUSH inside the script (Lua's `unpack` stays far below its stack limit). */
const PUSH_CHUNK = 500

/**
 * Each `createMany` slice of a batch adds how many records it created to the
 * batch's counter as its last write; this script LPUSHes the envelopes only
 * when the counter says all `expected` records exist, so the push can be sent
 * right behind the slices without waiting for their replies (actors/tasks/store)
 * and still never queue an envelope whose record a failed slice did not
 * create. LPUSHes in ARGV order, as one `LPUSH queue …envelopes` would.
 * The counter is deleted once the envelopes are queued; when the batch is
 * incomplete it is left (with its short TTL) for a second try after the slices
 * answered. Reply: the queue's length, or the error `INCOMPLETE`.
 */
export const pushBatch: Script = {
  name: "fluxgate_pushBatch",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] the batch's counter of created records (string)
-- KEYS[2] the queue (list)
-- ARGV[1] records the batch has
-- ARGV[2..] the envelopes, in LPUSH order
local rcall = redis.call
local created = tonumber(rcall("GET", KEYS[1]) or "0")
if created ~= tonumber(ARGV[1]) then
  return redis.error_reply("INCOMPLETE batch: " .. created .. " of " .. ARGV[1] .. " records created")
end
rcall("DEL", KEYS[1])
local length = 0
for from = 2, #ARGV, ${PUSH_CHUNK} do
  length = rcall("LPUSH", KEYS[2], unpack(ARGV, from, math.min(from + ${PUSH_CHUNK - 1}, #ARGV)))
end
return length
`,
  embedded: (store, keys, argv) => {
    const created = Number(store.get(keys[0]) ?? "0")
    if (created !== Number(argv[0])) throw new Error(`INCOMPLETE batch: ${created} of ${argv[0]} records created`)
    store.del(keys[0])
    return store.lpush(keys[1], ...argv.slice(1))
  }
}
