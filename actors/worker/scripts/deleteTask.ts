/** @module worker/scripts/deleteTask — delete a task record unless it is running. */
import type { Script } from "../../../src/broker/Script.ts"

/** Reply `{code, status, queue, envelope, dead_entry}`: code 1 deleted, 0 missing, -1 running (kept). */
export const deleteTask: Script = {
  name: "fluxgate_deleteTask",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] task record (hash)
-- KEYS[2] task index (list of ids, newest first: a recent task is found early)
-- ARGV[1] task id
local rcall = redis.call
local r = rcall("HMGET", KEYS[1], "status", "queue", "envelope", "dead_entry")
if not r[1] then return {0, "", "", "", ""} end
if r[1] == "running" then return {-1, r[1], "", "", ""} end
rcall("DEL", KEYS[1])
rcall("LREM", KEYS[2], 1, ARGV[1])
return {1, r[1], r[2] or "", r[3] or "", r[4] or ""}
`,
  embedded: (store, keys, argv) => {
    const status = store.hget(keys[0], "status")
    if (status === null) return [0, "", "", "", ""]
    if (status === "running") return [-1, status, "", "", ""]
    const out = [1, status, store.hget(keys[0], "queue") ?? "", store.hget(keys[0], "envelope") ?? "", store.hget(keys[0], "dead_entry") ?? ""]
    store.del(keys[0])
    store.lrem(keys[1], 1, argv[0])
    return out
  }
}
