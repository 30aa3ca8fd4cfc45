/** @module worker/scripts/retryLater — take a failed item off the processing list and schedule its retry. */
import type { Script } from "../../../src/broker/Script.ts"

/** Both in one step, so a crash cannot lose the item or leave it in two places. Reply: 1 if it was leased here. */
export const retryLater: Script = {
  name: "fluxgate_retryLater",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] processing list of this worker (list)
-- KEYS[2] delayed retries of the queue (sorted set, score = due ms)
-- ARGV[1] the leased string (removed from KEYS[1])
-- ARGV[2] the envelope to retry (may differ from ARGV[1] for raw items)
-- ARGV[3] due time (ms)
local rcall = redis.call
local removed = rcall("LREM", KEYS[1], 1, ARGV[1])
rcall("ZADD", KEYS[2], ARGV[3], ARGV[2])
return removed
`,
  embedded: (store, keys, argv) => {
    const removed = store.lrem(keys[0], 1, argv[0])
    store.zadd(keys[1], Number(argv[2]), argv[1])
    return removed
  }
}
