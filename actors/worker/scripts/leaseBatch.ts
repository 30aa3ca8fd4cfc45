/** @module worker/scripts/leaseBatch — move up to N items from a queue to a processing list in one call. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Each move is an LMOVE (tail of the queue → head of the processing list), so
 * nothing is ever only in memory; doing N of them in one script costs one
 * command instead of N. Reply: the moved items, oldest first.
 */
export const leaseBatch: Script = {
  name: "fluxgate_leaseBatch",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] the queue (list)
-- KEYS[2] processing list of this worker (list)
-- ARGV[1] most items to move
local rcall = redis.call
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local item = rcall("LMOVE", KEYS[1], KEYS[2], "RIGHT", "LEFT")
  if not item then break end
  out[i] = item
end
return out
`,
  embedded: (store, keys, argv) => {
    const out: Array<string> = []
    for (let i = 0; i < Number(argv[0]); i++) {
      const item = store.lmove(keys[0], keys[1], "RIGHT", "LEFT")
      if (item === null) break
      out.push(item)
    }
    return out
  }
}
