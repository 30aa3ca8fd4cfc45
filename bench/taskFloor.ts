/**
 * @module bench/taskFloor — the least Redis work a bulk enqueue of persisted
 * tasks can be, for bench/tasks to set next to Fluxgate and BullMQ.
 *
 * What the issue asks of every task — a record (a hash of the fields Fluxgate
 * stores, with a TTL; not Fluxgate's `expires_at`, which its template carries
 * for free) and an item on a Redis List — and nothing else: no task index, no
 * envelope (the queue item is the bare id), no validation, no Effect, no
 * ioredis. Records go as one Lua script per slice of 250, each record four
 * plain arguments (cheaper for Redis than a JSON argument `cjson` decodes) and
 * copied from a template (see FLOOR_LUA), written as raw RESP the moment the
 * slice is encoded, so Redis stores slice i while this process encodes slice
 * i + 1; one LPUSH per chunk follows. Chunks of 1,000 are awaited one after
 * another, as the other two systems' are.
 */
import { EXPIRE_AT_LUA } from "../actors/worker/scripts/expireAt.ts"
import { randomUuid } from "../src/random.ts"
import { rawRedis } from "./redisServer.ts"

const SLICE = 250

/**
 * Per record: a COPY of a template hash (the fields every record of the slice
 * shares, and the TTL; COPY keeps it) and an HSET of its payload, as Fluxgate's
 * createMany does: the cheapest way to a hash with a TTL found so far.
 */
const FLOOR_LUA = `
local rcall = redis.call${EXPIRE_AT_LUA}
local prefix = ARGV[2]
local template = prefix .. "template"
rcall("HSET", template, "type", "add", "max_attempts", "5", "queue", ARGV[3], "status", "queued", "initiated_by", ARGV[4], "created_at", ARGV[5])
rcall("PEXPIREAT", template, expireAt(ARGV[1]))
local n = 0
for at = 6, #ARGV - 3, 4 do
  local key = prefix .. ARGV[at]
  rcall("COPY", template, key)
  -- every row is an "add" with 5 attempts, as the template says: only the payload differs
  rcall("HSET", key, "payload", ARGV[at + 2])
  n = n + 1
end
rcall("DEL", template)
return n
`

/** Enqueue `total` tasks of `type` with `payloadOf(i)`, in awaited chunks of `chunk`; the keys start with `prefix`. */
export const enqueueFloor = async (
  url: string,
  prefix: string,
  total: number,
  chunk: number,
  payloadOf: (i: number) => unknown
): Promise<void> => {
  const redis = rawRedis(url)
  try {
    const sha = String(await redis.command(["SCRIPT", "LOAD", FLOOR_LUA]))
    const queue = `${prefix}:queue`
    for (let from = 0; from < total; from += chunk) {
      const end = Math.min(from + chunk, total)
      const ids: Array<string> = []
      const replies: Array<Promise<unknown>> = []
      const head = [String(7 * 86_400_000), `${prefix}:task:`, queue, "floor", String(Date.now())]
      for (let s = from; s < end; s += SLICE) {
        const argv = ["EVALSHA", sha, "0", ...head]
        for (let i = s; i < Math.min(s + SLICE, end); i++) {
          const id = randomUuid()
          ids.push(id)
          argv.push(id, "add", JSON.stringify(payloadOf(i)), "5")
        }
        replies.push(redis.command(argv))
      }
      replies.push(redis.command(["LPUSH", queue, ...ids]))
      for (const reply of await Promise.all(replies)) if (reply instanceof Error) throw reply
    }
  } finally {
    redis.close()
  }
}
