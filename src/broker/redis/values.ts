/** @module broker/redis/values — plain keys, hashes and sorted sets. */
import type { BrokerService } from "../Broker.ts"
import { hashTagOf } from "../keys.ts"
import type { Connections } from "./connections.ts"
import { pipelineValues } from "./failure.ts"
import { asArray, asNumber, asText, asTextOrNull, pairsToRecord } from "./reply.ts"

type ValueOps = Pick<
  BrokerService,
  | "getValue"
  | "setValue"
  | "hashGet"
  | "hashSet"
  | "hashGetMany"
  | "delete"
  | "sortedAdd"
  | "sortedRemove"
  | "sortedRangeDesc"
  | "sortedCount"
>

/** Redis wants a positive whole number of milliseconds for PX/PEXPIRE. */
const ttl = (ms: number): string => String(Math.max(1, Math.ceil(ms)))

/** Scores as Redis spells them (JS prints Infinity, Redis wants +inf). */
const score = (value: number): string => (value === Infinity ? "+inf" : value === -Infinity ? "-inf" : String(value))

/** HGETALL answers an empty hash for a missing key; the broker reports that as null. */
const toHash = (reply: unknown): Record<string, string> | null => {
  const record = pairsToRecord(reply, "HGETALL")
  const hash: Record<string, string> = {}
  let any = false
  for (const [field, value] of Object.entries(record)) {
    hash[field] = asText(value, "hash value")
    any = true
  }
  return any ? hash : null
}

const flatten = (fields: Readonly<Record<string, string>>): Array<string> => Object.entries(fields).flat()

/** Value, hash and sorted-set operations over the given connections. */
export const valueOps = ({ command, attempt }: Connections): ValueOps => ({
  getValue: (key) => attempt("getValue", async () => asTextOrNull(await command.call("GET", [key]), "GET")),

  setValue: (key, value, options) =>
    attempt("setValue", async () => {
      const args = [key, value]
      if (options?.ttlMs !== undefined) args.push("PX", ttl(options.ttlMs))
      if (options?.onlyIfAbsent) args.push("NX")
      // SET answers OK, or nil when NX found the key already there.
      return (await command.call("SET", args)) !== null
    }),

  hashGet: (key) => attempt("hashGet", async () => toHash(await command.call("HGETALL", [key]))),

  hashSet: (key, fields, ttlMs) =>
    attempt("hashSet", async () => {
      const flat = flatten(fields)
      if (ttlMs === undefined) {
        if (flat.length > 0) await command.call("HSET", [key, ...flat])
        return
      }
      // MULTI so that a crash between the two can never leave a record without its expiry.
      const tx = command.multi()
      if (flat.length > 0) tx.call("HSET", [key, ...flat])
      tx.call("PEXPIRE", [key, ttl(ttlMs)])
      pipelineValues(await tx.exec())
    }),

  hashGetMany: (keys) =>
    attempt("hashGetMany", () =>
      // Issued back to back without awaiting, ioredis writes them all before the first
      // reply arrives (one round trip), and Cluster routes each key to its own node.
      Promise.all(keys.map(async (key) => toHash(await command.call("HGETALL", [key]))))),

  delete: (keys) =>
    attempt("delete", async () => {
      // One DEL per hash tag: a multi-key DEL across slots fails with CROSSSLOT in a cluster.
      const byTag = new Map<string, Array<string>>()
      for (const key of keys) {
        const tag = hashTagOf(key)
        const group = byTag.get(tag)
        if (group) group.push(key)
        else byTag.set(tag, [key])
      }
      const counts = await Promise.all([...byTag.values()].map((group) => command.call("DEL", group)))
      return counts.reduce<number>((sum, count) => sum + asNumber(count, "DEL"), 0)
    }),

  sortedAdd: (key, value, member) =>
    attempt("sortedAdd", async () => {
      await command.call("ZADD", [key, score(value), member])
    }),

  sortedRemove: (key, members) =>
    attempt("sortedRemove", async () =>
      members.length === 0 ? 0 : asNumber(await command.call("ZREM", [key, ...members]), "ZREM")),

  sortedRangeDesc: (key, offset, count) =>
    attempt("sortedRangeDesc", async () => {
      if (count <= 0) return []
      const start = Math.max(0, offset)
      const reply = await command.call("ZRANGE", [key, String(start), String(start + count - 1), "REV"])
      return asArray(reply, "ZRANGE").map((member) => asText(member, "ZRANGE member"))
    }),

  sortedCount: (key) => attempt("sortedCount", async () => asNumber(await command.call("ZCARD", [key]), "ZCARD"))
})
