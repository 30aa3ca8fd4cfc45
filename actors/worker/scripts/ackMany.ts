/** @module worker/scripts/ackMany — take a batch of finished items off a processing list. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * ARGV for `ackMany`: the leased strings themselves, one argument each. They
 * are JSON envelopes: as one JSON array argument every quote in them was
 * escaped here and unescaped by Redis's `cjson` (≈ 1 µs per item); plain
 * arguments cost the raw pipe little more than their bytes (standalone Redis;
 * through ioredis, in a cluster, ≈ 1 µs each).
 */
export const ackManyArgv = (raws: ReadonlyArray<string>): Array<string> => [...raws]

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
-- ARGV the leased strings to remove (one occurrence each)
local rcall = redis.call
local removed = 0
for i = 1, #ARGV do
  removed = removed + rcall("LREM", KEYS[1], -1, ARGV[i])
end
return removed
`,
  embedded: (store, keys, argv) => argv.reduce((n, value) => n + store.lrem(keys[0], -1, value), 0)
}
