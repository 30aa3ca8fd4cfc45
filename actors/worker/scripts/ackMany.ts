/** @module worker/scripts/ackMany — take a batch of finished items off a processing list. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * ARGV for `ackMany`: the leased strings themselves, one argument each. They
 * are JSON envelopes: as one JSON array argument every quote in them was
 * escaped here and unescaped by Redis's `cjson` (≈ 1 µs per item); plain
 * arguments cost the raw pipe little more than their bytes (standalone Redis;
 * through ioredis, in a cluster, ≈ 1 µs each).
 */
export const ackManyArgv = (raws: ReadonlyArray<string>): ReadonlyArray<string> => raws

/**
 * Leases push at the head, so the oldest items, which finish first, sit at
 * the tail. Usually a batch of acks is exactly the list's oldest items, oldest
 * first (pure tasks finish in lease order, and the completer keeps that
 * order): then one LRANGE checks it and one LTRIM drops them, where a
 * `redis.call` per item cost Redis about as much as the removal itself. Any
 * other batch is searched item by item from the tail (LREM -1; from the head,
 * each ack scanned past everything leased after it). Reply: how many were
 * removed (fewer means a reaper already returned some to the queue).
 */
export const ackMany: Script = {
  name: "fluxgate_ackMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] processing list of this worker (list)
-- ARGV the leased strings to remove (one occurrence each), oldest first when they can be
local rcall = redis.call
local n = #ARGV
if n == 0 then return 0 end
local tail = rcall("LRANGE", KEYS[1], -n, -1)
local oldestFirst = #tail == n
for i = 1, n do
  if not oldestFirst then break end
  oldestFirst = tail[n + 1 - i] == ARGV[i]
end
if oldestFirst then
  rcall("LTRIM", KEYS[1], 0, -n - 1)
  return n
end
local removed = 0
for i = 1, n do
  removed = removed + rcall("LREM", KEYS[1], -1, ARGV[i])
end
return removed
`,
  embedded: (store, keys, argv) => argv.reduce((n, value) => n + store.lrem(keys[0], -1, value), 0)
}
