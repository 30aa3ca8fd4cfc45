/** @module worker/scripts/ackMany — take a batch of finished items off a processing list. */
import type { Script } from "../../../src/broker/Script.ts"

/** ARGV for `ackMany`: the leased strings as ONE JSON argument (ioredis spends ≈ 1 µs per argument). */
export const ackManyArgv = (raws: ReadonlyArray<string>): Array<string> => [JSON.stringify(raws)]

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
-- ARGV[1] the leased strings to remove (one occurrence each), JSON: [raw, …]
local rcall = redis.call
local removed = 0
for _, value in ipairs(cjson.decode(ARGV[1])) do
  removed = removed + rcall("LREM", KEYS[1], -1, value)
end
return removed
`,
  embedded: (store, keys, argv) => (JSON.parse(argv[0]) as Array<string>).reduce((n, value) => n + store.lrem(keys[0], -1, value), 0)
}
