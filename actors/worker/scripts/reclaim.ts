/** @module worker/scripts/reclaim — give a dead (or stopping) consumer's processing list back to the queue. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Moves at most ARGV[2] items per call (callers loop) so one call never blocks
 * Redis for long; when the list is empty the consumer is deregistered.
 * Reply: `{moved, left}`.
 */
export const reclaim: Script = {
  name: "fluxgate_reclaim",
  numberOfKeys: 3,
  lua: `
-- KEYS[1] processing list of the consumer (list)
-- KEYS[2] the queue (list)
-- KEYS[3] consumers of the queue (set)
-- ARGV[1] consumer name
-- ARGV[2] most items to move
local rcall = redis.call
local moved = 0
while moved < tonumber(ARGV[2]) do
  if not rcall("LMOVE", KEYS[1], KEYS[2], "RIGHT", "RIGHT") then break end
  moved = moved + 1
end
local left = rcall("LLEN", KEYS[1])
if left == 0 then rcall("SREM", KEYS[3], ARGV[1]) end
return {moved, left}
`,
  embedded: (store, keys, argv) => {
    let moved = 0
    while (moved < Number(argv[1])) {
      if (store.lmove(keys[0], keys[1], "RIGHT", "RIGHT") === null) break
      moved++
    }
    const left = store.llen(keys[0])
    if (left === 0) store.srem(keys[2], argv[0])
    return [moved, left]
  }
}
