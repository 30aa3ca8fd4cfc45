/** @module worker/scripts/startMany — mark a batch of leased tasks running, creating records for raw items. */
import type { Script } from "../../../src/broker/Script.ts"
import { TASK_INDEX_MAX } from "../task.ts"
import { EXPIRE_AT_LUA } from "./expireAt.ts"

/**
 * One call per leased batch instead of one per task, the batch as ONE JSON
 * argument (ioredis spends ≈ 1 µs per argument). Task keys are ARGV[4] .. id:
 * their number varies, so they travel as ids after one prefix carrying
 * KEYS[1]'s `{prefix}` hash tag (the caller checks this), and the script stays
 * cluster-safe. Two commands per existing task (HMGET, HSET): inside a script
 * each command call costs Redis about as much as its work. The record's TTL is
 * not renewed here; every settle (success, retry, dead) renews it.
 *
 * Per item the reply is `{code, attempts, max_attempts}`: code 0 = run it;
 * -1 = no record and none to create (deleted or expired: drop the item);
 * -2 = already succeeded or failed (a duplicate after a recovery: drop it).
 */
export const startMany: Script = {
  name: "fluxgate_startMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] task index (list of ids, newest first); every task key below shares its hash tag
-- ARGV[1] now (ms)
-- ARGV[2] record TTL in ms (for records created here)
-- ARGV[3] handled_by (worker instance id)
-- ARGV[4] task key prefix (task key = prefix .. id)
-- ARGV[5] the items, JSON: [[task id], [task id, field, value, …] (a record to create if none exists), …]
local rcall = redis.call${EXPIRE_AT_LUA}
local now, prefix = ARGV[1], ARGV[4]
local deadline -- of records created here, from one TIME per call (see scripts/expireAt)
local out = {}
for item, row in ipairs(cjson.decode(ARGV[5])) do
  local id = row[1]
  local key = prefix .. id
  local r = rcall("HMGET", key, "status", "attempts", "max_attempts")
  local code = 0
  if not r[1] then
    if #row > 1 then
      deadline = deadline or expireAt(ARGV[2])
      rcall("HSET", key, "expires_at", deadline, unpack(row, 2))
      rcall("PEXPIREAT", key, deadline)
      rcall("LPUSH", KEYS[1], id)
      rcall("LTRIM", KEYS[1], 0, ${TASK_INDEX_MAX - 1})
      r = rcall("HMGET", key, "status", "attempts", "max_attempts")
    else
      code = -1
    end
  end
  local attempts, max = 0, 0
  if code == 0 then
    attempts = tonumber(r[2] or "0")
    max = tonumber(r[3] or "1")
    if r[1] == "succeeded" or r[1] == "failed" then
      code = -2
    else
      rcall("HSET", key, "status", "running", "handled_by", ARGV[3], "updated_at", now)
    end
  end
  out[item] = {code, attempts, max}
end
return out
`,
  embedded: (store, keys, argv) => {
    const [now, ttl, handledBy, prefix] = argv
    const out: Array<Array<number>> = []
    for (const row of JSON.parse(argv[4]) as Array<Array<string>>) {
      const [id, ...create] = row
      const key = prefix + id
      let status = store.hget(key, "status")
      let code = 0
      if (status === null) {
        if (create.length > 0) {
          const deadline = store.now() + Number(ttl)
          const fields: Record<string, string> = { expires_at: String(deadline) }
          for (let f = 0; f + 1 < create.length; f += 2) fields[create[f]] = create[f + 1]
          store.hset(key, fields)
          store.pexpireAt(key, deadline)
          store.lpush(keys[0], id)
          store.ltrim(keys[0], 0, TASK_INDEX_MAX - 1)
          status = store.hget(key, "status")
        } else {
          code = -1
        }
      }
      let attempts = 0
      let max = 0
      if (code === 0) {
        attempts = Number(store.hget(key, "attempts") ?? "0")
        max = Number(store.hget(key, "max_attempts") ?? "1")
        if (status === "succeeded" || status === "failed") code = -2
        else store.hset(key, { status: "running", handled_by: handledBy, updated_at: now })
      }
      out.push([code, attempts, max])
    }
    return out
  }
}
