/** @module broker/redis/groups — consumer-group bookkeeping: reclaiming idle entries and reporting progress. */
import type { BrokerService, ClaimedEntry, GroupInfo } from "../Broker.ts"
import type { Client, Connections } from "./connections.ts"
import { claimIdle } from "./scripts/claimIdle.ts"
import { evalScript } from "./scripts.ts"
import { asArray, asNumber, asText, pairsToRecord, toEntries } from "./reply.ts"

type GroupOps = Pick<BrokerService, "claimIdle" | "groupInfo">

/** What a missing stream or group reports: nothing pending, nothing to deliver. */
const emptyGroup: GroupInfo = { pending: 0, lag: 0, lastDeliveredId: "0-0", oldestPendingIdleMs: null, consumers: [] }

/** Counting undelivered entries by hand is O(n); past this many the lag is reported as this many. */
const LAG_SCAN_LIMIT = 10_000

const toClaimed = (reply: unknown): Array<ClaimedEntry> =>
  asArray(reply, "claimIdle").map((raw) => {
    const [id, deliveries, fields] = asArray(raw, "claimed entry")
    const [entry] = toEntries([[id, fields]])
    return { ...entry, deliveries: asNumber(deliveries, "delivery count") }
  })

/**
 * Redis 7 reports `lag` as nil when it cannot derive it from counters (entries
 * deleted or trimmed past the group, or a group started at an arbitrary id);
 * Redis 6 has no `lag` at all. Then count what lies after last-delivered-id.
 */
const countAfter = async (client: Client, stream: string, lastDeliveredId: string): Promise<number> => {
  const entries = await client.call("XRANGE", [stream, `(${lastDeliveredId}`, "+", "COUNT", String(LAG_SCAN_LIMIT)])
  return asArray(entries ?? [], "XRANGE").length
}

const isMissing = (error: Error | null): boolean =>
  error !== null && (/no such key/i.test(error.message) || error.message.startsWith("NOGROUP"))

/** Group operations over the given connections. */
export const groupOps = ({ command, attempt }: Connections): GroupOps => ({
  claimIdle: (stream, group, consumer, { minIdleMs, count }) =>
    attempt("claimIdle", async () => {
      if (count <= 0) return []
      try {
        const reply = await evalScript(command, claimIdle, [stream], [group, consumer, String(Math.max(0, minIdleMs)), String(count)])
        return toClaimed(reply)
      } catch (error) {
        // A stream or group that does not exist has nothing pending to claim.
        if (error instanceof Error && isMissing(error)) return []
        throw error
      }
    }),

  groupInfo: (stream, group) =>
    attempt("groupInfo", async () => {
      // Per-command errors come back inside the results (exec only rejects when the
      // connection fails), which is how a missing stream or group is told apart.
      const results = await command.pipeline()
        .call("XINFO", ["GROUPS", stream])
        .call("XINFO", ["CONSUMERS", stream, group])
        .call("XPENDING", [stream, group, "-", "+", "1"])
        .exec()
      if (results === null) throw new Error("pipeline discarded")
      const [[groupsError, groups], [consumersError, consumers], [oldestError, oldest]] = results
      if (isMissing(groupsError) || isMissing(consumersError)) return emptyGroup
      for (const error of [groupsError, consumersError, oldestError]) if (error) throw error

      const info = asArray(groups, "XINFO GROUPS")
        .map((raw) => pairsToRecord(raw, "XINFO GROUPS"))
        .find((record) => asText(record.name, "group name") === group)
      if (info === undefined) return emptyGroup
      const lastDeliveredId = asText(info["last-delivered-id"], "last-delivered-id")
      const lag = info.lag === null || info.lag === undefined
        ? await countAfter(command, stream, lastDeliveredId)
        : asNumber(info.lag, "lag")
      const [oldestEntry] = asArray(oldest, "XPENDING")
      return {
        pending: asNumber(info.pending, "pending"),
        lag,
        lastDeliveredId,
        oldestPendingIdleMs: oldestEntry === undefined ? null : asNumber(asArray(oldestEntry, "XPENDING entry")[2], "idle"),
        consumers: asArray(consumers, "XINFO CONSUMERS").map((raw) => {
          const record = pairsToRecord(raw, "XINFO CONSUMERS")
          return {
            name: asText(record.name, "consumer name"),
            pending: asNumber(record.pending, "consumer pending"),
            idleMs: asNumber(record.idle, "consumer idle")
          }
        })
      } satisfies GroupInfo
    })
})
