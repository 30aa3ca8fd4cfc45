/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Never recreates a deleted or expired record. Task keys travel in ARGV and
 * share KEYS[1]'s hash tag (see startMany). Reply: how many records were updated.
 */
export const finishMany: Script = {
  name: "fluxgate_finishMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] number of items
-- then per item: task key (hash), attempts, result (JSON)
local rcall = redis.call
local updated = 0
for item = 0, tonumber(ARGV[3]) - 1 do
  local key = ARGV[4 + item * 3]
  if rcall("EXISTS", key) == 1 then
    rcall("HSET", key, "status", "succeeded", "attempts", ARGV[5 + item * 3], "result", ARGV[6 + item * 3], "error", "", "updated_at", ARGV[1])
    rcall("PEXPIRE", key, ARGV[2])
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    let updated = 0
    for (let item = 0; item < Number(argv[2]); item++) {
      const key = argv[3 + item * 3]
      if (!store.exists(key)) continue
      store.hset(key, { status: "succeeded", attempts: argv[4 + item * 3], result: argv[5 + item * 3], error: "", updated_at: argv[0] })
      store.pexpire(key, Number(argv[1]))
      updated++
    }
    return updated
  }
}
