/** @module worker/scripts/handBack — return a leased item to the front of its queue (shutdown, no attempt counted). */
import type { Script } from "../../../src/broker/Script.ts"

/** RPUSH puts it on the tail, which is served next (producers LPUSH). Reply: 1 if it was leased here. */
export const handBack: Script = {
  name: "fluxgate_handBack",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] processing list of this worker (list)
-- KEYS[2] the queue (list)
-- ARGV[1] the leased string (removed from KEYS[1])
-- ARGV[2] the envelope to put back
local rcall = redis.call
local removed = rcall("LREM", KEYS[1], 1, ARGV[1])
if removed > 0 then rcall("RPUSH", KEYS[2], ARGV[2]) end
return removed
`,
  embedded: (store, keys, argv) => {
    const removed = store.lrem(keys[0], 1, argv[0])
    if (removed > 0) store.rpush(keys[1], argv[1])
    return removed
  }
}
