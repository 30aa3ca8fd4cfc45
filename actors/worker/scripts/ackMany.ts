/** @module worker/scripts/ackMany — take a batch of finished items off a processing list. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Searched from the tail (LREM -1): leases push at the head, so the oldest
 * items, which finish first, sit at the tail. From the head, each ack scanned
 * past everything leased after it. Reply: how many were removed (fewer means
 * a reaper already returned some to the queue).
 */
export const ackMany: Script = {
  name: "fluxgate_ackMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] processing list of this worker (list)
-- ARGV[1..] the leased strings to remove (one occurrence each)
local rcall = redis.call
local removed = 0
for _, value in ipairs(ARGV) do
  removed = removed + rcall("LREM", KEYS[1], -1, value)
end
return removed
`,
  embedded: (store, keys, argv) => argv.reduce((n, value) => n + store.lrem(keys[0], -1, value), 0)
}
