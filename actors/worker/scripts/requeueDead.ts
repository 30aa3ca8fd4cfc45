/** @module worker/scripts/requeueDead — take a dead entry off the dead list and queue its envelope again. */
import type { Script } from "../../../src/broker/Script.ts"

/** Reply: how many dead entries were removed (0 when it was not listed, e.g. the cap was reached). */
export const requeueDead: Script = {
  name: "fluxgate_requeueDead",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] dead list of the queue (list)
-- KEYS[2] the queue (list)
-- ARGV[1] the dead entry ("" when none was listed)
-- ARGV[2] the envelope to queue
local rcall = redis.call
local removed = 0
if ARGV[1] ~= "" then removed = rcall("LREM", KEYS[1], 1, ARGV[1]) end
rcall("LPUSH", KEYS[2], ARGV[2])
return removed
`,
  embedded: (store, keys, argv) => {
    const removed = argv[0] === "" ? 0 : store.lrem(keys[0], 1, argv[0])
    store.lpush(keys[1], argv[1])
    return removed
  }
}
