/** @module broker/redis/streams — stream operations: append, consumer-group reads, ranges and live tails. */
import type { BrokerService } from "../Broker.ts"
import type { Connections } from "./connections.ts"
import { pipelineValues, reasonOf } from "./failure.ts"
import { asArray, asNumber, asTextOrNull, toEntries, toReadEntries } from "./reply.ts"
import { appendMany, encodeEntries } from "./scripts/appendMany.ts"
import { evalScript } from "./scripts.ts"

type StreamOps = Pick<
  BrokerService,
  "append" | "ensureGroup" | "readGroup" | "ack" | "rangeAfter" | "latest" | "readAfter" | "streamInfo"
>

/** Redis would treat BLOCK 0 as "wait forever"; the broker's 0 means "don't wait", so BLOCK is only sent for > 0. */
const blockArgs = (blockMs: number): Array<string> => (blockMs > 0 ? ["BLOCK", String(Math.ceil(blockMs))] : [])

/** Stream operations over the given connections. */
export const streamOps = ({ command, attempt, blocking, rawPipe }: Connections): StreamOps => ({
  append: (stream, entries, options) =>
    attempt("append", async () => {
      if (entries.length === 0) return []
      // Standalone: MULTI, the XADDs, EXEC as raw RESP: one write and one round trip for the batch.
      if (rawPipe !== undefined) {
        return (await rawPipe.xadd(stream, entries, options?.maxLen)).map((reply) => {
          if (reply instanceof Error) throw reply
          return reply
        })
      }
      // Cluster: one script per batch (one command, one argument) on the stream's node.
      const ids = asArray(await evalScript(command, appendMany, [stream], [options?.maxLen === undefined ? "" : String(options.maxLen), encodeEntries(entries)]), "appendMany")
      return ids.map((id) => {
        const text = asTextOrNull(id, "XADD")
        if (text === null) throw new Error("XADD returned no id")
        return text
      })
    }),

  ensureGroup: (stream, group, startId = "$") =>
    attempt("ensureGroup", async () => {
      try {
        await command.call("XGROUP", ["CREATE", stream, group, startId, "MKSTREAM"])
      } catch (error) {
        // BUSYGROUP: the group already exists, which is what we wanted.
        if (!reasonOf(error).startsWith("BUSYGROUP")) throw error
      }
    }),

  readGroup: (stream, group, consumer, { count, blockMs }) => {
    const args = (block: number) => ["GROUP", group, consumer, "COUNT", String(count), ...blockArgs(block), "STREAMS", stream, ">"]
    const now = attempt("readGroup", async () => toReadEntries(await command.call("XREADGROUP", args(0))))
    return blockMs > 0
      ? blocking("readGroup", blockMs, async (client) => toReadEntries(await client.call("XREADGROUP", args(blockMs))), now)
      : now
  },

  ack: (stream, group, ids) =>
    attempt("ack", async () => (ids.length === 0 ? 0 : asNumber(await command.call("XACK", [stream, group, ...ids]), "XACK"))),

  rangeAfter: (stream, afterId, count) =>
    attempt("rangeAfter", async () => {
      if (count <= 0) return []
      // "(" makes the start exclusive (Redis ≥ 6.2), so the caller's last id is not repeated.
      const start = afterId === null ? "-" : `(${afterId}`
      return toEntries(await command.call("XRANGE", [stream, start, "+", "COUNT", String(count)]))
    }),

  latest: (stream, count) =>
    attempt("latest", async () => {
      if (count <= 0) return []
      return toEntries(await command.call("XREVRANGE", [stream, "+", "-", "COUNT", String(count)])).reverse()
    }),

  readAfter: (stream, afterId, { count, blockMs }) => {
    const args = (block: number) => ["COUNT", String(count), ...blockArgs(block), "STREAMS", stream, afterId]
    // Without BLOCK, "$" can never match anything: the non-blocking answer is simply "nothing new".
    const now = attempt("readAfter", async () => toReadEntries(await command.call("XREAD", args(0))))
    return blockMs > 0
      ? blocking("readAfter", blockMs, async (client) => toReadEntries(await client.call("XREAD", args(blockMs))), now)
      : now
  },

  streamInfo: (stream) =>
    attempt("streamInfo", async () => {
      // XINFO STREAM fails on a missing key; these three never do, and share one round trip.
      const [length, first, last] = pipelineValues(
        await command.pipeline()
          .call("XLEN", [stream])
          .call("XRANGE", [stream, "-", "+", "COUNT", "1"])
          .call("XREVRANGE", [stream, "+", "-", "COUNT", "1"])
          .exec()
      )
      return {
        length: asNumber(length, "XLEN"),
        firstId: toEntries(first)[0]?.id ?? null,
        lastId: toEntries(last)[0]?.id ?? null
      }
    })
})
