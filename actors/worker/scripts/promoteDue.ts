/** @module worker/scripts/promoteDue — move retries whose time has come back onto the queue. */
import type { Script } from "../../../src/broker/Script.ts"

/** Reply: how many were moved. */
export const promoteDue: Script = {
  name: "fluxgate_promoteDue",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] delayed retries of the queue (sorted set, score = due ms)
-- KEYS[2] the queue (list)
-- ARGV[1] now (ms)
-- ARGV[2] most items to move
local rcall = redis.call
local due = rcall("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[2]))
for _, item in ipairs(due) do
  rcall("ZREM", KEYS[1], item)
  rcall("LPUSH", KEYS[2], item)
end
return #due
`,
  embedded: (store, keys, argv) => {
    const due = store.zrangeByScore(keys[0], -Infinity, Number(argv[0]), Number(argv[1]))
    for (const item of due) {
      store.zrem(keys[0], item)
      store.lpush(keys[1], item)
    }
    return due.length
  }
}
