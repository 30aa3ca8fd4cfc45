/** @module worker/scripts/leaseBatch — move up to N items from a queue to a processing list in one call. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * The same as N single LMOVEs (tail of the queue → head of the processing
 * list, nothing ever only in memory), done as three commands for the whole
 * batch — LRANGE, LTRIM, LPUSH — because inside a script each command call
 * costs Redis about as much as the list work itself. Reply: the moved items,
 * oldest first. At most 1,000 per call (Lua's `unpack` limit stays far away).
 */
export const leaseBatch: Script = {
  name: "fluxgate_leaseBatch",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] the queue (list)
-- KEYS[2] processing list of this worker (list)
-- ARGV[1] most items to move
local rcall = redis.call
local n = math.min(tonumber(ARGV[1]), 1000)
if n < 1 then return {} end
-- scripts don't roll back: check the destination before trimming, as LMOVE would
local kind = rcall("TYPE", KEYS[2]).ok
if kind ~= "none" and kind ~= "list" then return redis.error_reply("WRONGTYPE processing list " .. KEYS[2] .. " is a " .. kind) end
local tail = rcall("LRANGE", KEYS[1], -n, -1)
local count = #tail
if count == 0 then return {} end
rcall("LTRIM", KEYS[1], 0, -count - 1)
-- oldest (the queue's last element) first, as successive LMOVEs would take them
local out = {}
for i = 1, count do out[i] = tail[count + 1 - i] end
rcall("LPUSH", KEYS[2], unpack(out))
return out
`,
  embedded: (store, keys, argv) => {
    const out: Array<string> = []
    for (let i = 0; i < Math.min(Number(argv[0]), 1000); i++) {
      const item = store.lmove(keys[0], keys[1], "RIGHT", "LEFT")
      if (item === null) break
      out.push(item)
    }
    return out
  }
}
