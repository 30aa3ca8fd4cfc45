/** @module worker/scripts/finishMany — record a batch of successes (one call for many tasks). */
import type { Script } from "../../../src/broker/Script.ts"

/**
 * Never recreates a deleted or expired record; renews the record's TTL. Task
 * keys are ARGV[4] .. id and share KEYS[1]'s hash tag (see startMany).
 * Reply: how many records were updated.
 */
export const finishMany: Script = {
  name: "fluxgate_finishMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (sorted set); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms
-- ARGV[3] number of items
-- ARGV[4] task key prefix (task key = prefix .. id)
-- then per item: task id, attempts, result (JSON)
local rcall = redis.call
local prefix = ARGV[4]
local updated = 0
for item = 0, tonumber(ARGV[3]) - 1 do
  local key = prefix .. ARGV[5 + item * 3]
  -- PEXPIRE answers whether the key exists: one call fewer than EXISTS first
  if rcall("PEXPIRE", key, ARGV[2]) == 1 then
    rcall("HSET", key, "status", "succeeded", "attempts", ARGV[6 + item * 3], "result", ARGV[7 + item * 3], "error", "", "updated_at", ARGV[1])
    updated = updated + 1
  end
end
return updated
`,
  embedded: (store, _keys, argv) => {
    let updated = 0
    for (let item = 0; item < Number(argv[2]); item++) {
      const key = argv[3] + argv[4 + item * 3]
      if (!store.exists(key)) continue
      store.hset(key, { status: "succeeded", attempts: argv[5 + item * 3], result: argv[6 + item * 3], error: "", updated_at: argv[0] })
      store.pexpire(key, Number(argv[1]))
      updated++
    }
    return updated
  }
}
