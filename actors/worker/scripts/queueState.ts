/** @module worker/scripts/queueState — one consistent look at a queue (for /queues and the reaper). */
import type { Script } from "../../../src/broker/Script.ts"

/** Reply `{ready, oldest (tail item or ""), delayed, dead, {consumer, …}}`. */
export const queueState: Script = {
  name: "fluxgate_queueState",
  numberOfKeys: 4,
  lua: `
-- KEYS[1] the queue (list)
-- KEYS[2] consumers of the queue (set)
-- KEYS[3] delayed retries (sorted set)
-- KEYS[4] dead list (list)
local rcall = redis.call
local oldest = rcall("LINDEX", KEYS[1], -1) or ""
return {rcall("LLEN", KEYS[1]), oldest, rcall("ZCARD", KEYS[3]), rcall("LLEN", KEYS[4]), rcall("SMEMBERS", KEYS[2])}
`,
  embedded: (store, keys) => [
    store.llen(keys[0]),
    store.lrange(keys[0], -1, -1)[0] ?? "",
    store.zcard(keys[2]),
    store.llen(keys[3]),
    store.smembers(keys[1])
  ]
}
