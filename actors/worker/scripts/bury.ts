/** @module worker/scripts/bury — move a failed item to the capped dead list. */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * The dead list is never trimmed: at DEAD_LETTER_MAX the entry is not listed
 * (reply `{removed, 0}`), and the caller keeps the record `failed` with a note
 * and logs it — nothing already dead is silently dropped. Reply `{removed, listed}`.
 */
export const bury: Script = {
  name: "fluxgate_bury",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] processing list of this worker (list)
-- KEYS[2] dead list of the queue (list)
-- ARGV[1] the leased string (removed from KEYS[1])
-- ARGV[2] the dead entry (envelope + error + attempts, JSON)
-- ARGV[3] DEAD_LETTER_MAX
local rcall = redis.call
local removed = rcall("LREM", KEYS[1], 1, ARGV[1])
if rcall("LLEN", KEYS[2]) >= tonumber(ARGV[3]) then return {removed, 0} end
rcall("LPUSH", KEYS[2], ARGV[2])
return {removed, 1}
`,
  embedded: (store, keys, argv) => {
    const removed = store.lrem(keys[0], 1, argv[0])
    if (store.llen(keys[1]) >= Number(argv[2])) return [removed, 0]
    store.lpush(keys[1], argv[1])
    return [removed, 1]
  }
}
