/** @module broker/redis/lists — list queues: push, reliable lease (move to a processing list), pop. */
import type { BrokerService } from "../Broker.ts"
import type { Connections } from "./connections.ts"
import { pipelineValues } from "./failure.ts"
import { asArray, asNumber, asText, asTextOrNull } from "./reply.ts"

type ListOps = Pick<BrokerService, "push" | "lease" | "leaseMany" | "take" | "remove" | "listLength" | "listRange">

/**
 * Blocking list commands take seconds; Redis ≥ 6 accepts a decimal, so
 * sub-second waits keep their precision. A timeout of 0 would block forever,
 * so callers only get here with blockMs > 0.
 */
const seconds = (blockMs: number): string => (Math.max(1, Math.ceil(blockMs)) / 1000).toString()

/** List operations over the given connections. */
export const listOps = ({ command, attempt, blocking }: Connections): ListOps => ({
  // On the command connection: a bulk enqueue's push on standalone Redis is a script (pushBatch), on the raw pipe.
  push: (list, values) =>
    attempt("push", async () =>
      values.length === 0
        ? asNumber(await command.call("LLEN", [list]), "LLEN")
        : asNumber(await command.call("LPUSH", [list, ...values]), "LPUSH")),

  lease: (from, to, blockMs) => {
    const now = attempt("lease", async () => asTextOrNull(await command.call("LMOVE", [from, to, "RIGHT", "LEFT"]), "LMOVE"))
    return blockMs > 0
      ? blocking("lease", blockMs, async (client) =>
        asTextOrNull(await client.call("BLMOVE", [from, to, "RIGHT", "LEFT", seconds(blockMs)]), "BLMOVE"), now)
      : now
  },

  leaseMany: (from, to, count) =>
    attempt("leaseMany", async () => {
      if (count <= 0) return []
      // `count` LMOVEs in one pipeline: one round trip, and each move is still atomic.
      // Moves past the end of the list answer nil and are dropped.
      const pipeline = command.pipeline()
      for (let i = 0; i < count; i++) pipeline.call("LMOVE", [from, to, "RIGHT", "LEFT"])
      const moved: Array<string> = []
      for (const value of pipelineValues(await pipeline.exec())) {
        const text = asTextOrNull(value, "LMOVE")
        if (text !== null) moved.push(text)
      }
      return moved
    }),

  take: (list, blockMs) => {
    const now = attempt("take", async () => asTextOrNull(await command.call("RPOP", [list]), "RPOP"))
    return blockMs > 0
      ? blocking("take", blockMs, async (client) => {
        const reply = await client.call("BRPOP", [list, seconds(blockMs)])
        // BRPOP answers [list, value], or nil on timeout.
        return reply === null ? null : asText(asArray(reply, "BRPOP")[1], "BRPOP")
      }, now)
      : now
  },

  remove: (list, value) => attempt("remove", async () => asNumber(await command.call("LREM", [list, "1", value]), "LREM")),

  listLength: (list) => attempt("listLength", async () => asNumber(await command.call("LLEN", [list]), "LLEN")),

  listRange: (list, start, stop) =>
    attempt("listRange", async () =>
      asArray(await command.call("LRANGE", [list, String(start), String(stop)]), "LRANGE").map((v) => asText(v, "LRANGE")))
})
