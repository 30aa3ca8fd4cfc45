/**
 * @module memory — the embedded, in-process broker: the default when no
 * `REDIS_URL` is set, with Redis's semantics (consumer groups and their pending
 * entries, idle claims, blocking moves and pops, TTLs, atomic scripts) so code
 * written against `Broker` behaves the same on both. The broker contract suite
 * (`test/broker/contract.ts`) holds both backends to that.
 */
import { Effect, Layer } from "effect"
import { Broker, type BrokerService, type Reply } from "./Broker.ts"
import { makeMemoryContext } from "./memory/context.ts"
import { listOps } from "./memory/listOps.ts"
import { streamOps } from "./memory/streamOps.ts"

/** Lua replies are integers: Redis truncates numbers, and has no `undefined`. */
const asRedisReply = (reply: Reply | undefined): Reply => {
  if (reply === undefined || reply === null) return null
  if (typeof reply === "number") return Math.trunc(reply)
  if (typeof reply === "string") return reply
  return reply.map(asRedisReply)
}

const diagnosticsKey = "fluxgate:embedded:diagnostics"

/** Options for tests that drive the clock themselves. */
export interface MemoryBrokerOptions {
  /** Wall clock in ms, for stream ids, TTLs and idle times (default `Date.now`). */
  readonly now?: () => number
}

/** A fresh embedded broker with its own empty keyspace. */
export const makeMemoryBroker = (options: MemoryBrokerOptions = {}): BrokerService => {
  const context = makeMemoryContext(options.now)
  const { store, exec } = context
  return {
    backend: "embedded",
    mode: "embedded",
    ...streamOps(context),
    ...listOps(context),

    getValue: (key) => exec(() => store.get(key)),
    setValue: (key, value, options) =>
      exec(() => store.set(key, value, { pxMs: options?.ttlMs, nx: options?.onlyIfAbsent })),
    hashGet: (key) =>
      exec(() => {
        const hash = store.hgetall(key)
        return Object.keys(hash).length > 0 ? hash : null
      }),
    hashSet: (key, fields, ttlMs) =>
      exec(() => {
        store.hset(key, fields)
        if (ttlMs !== undefined) store.pexpire(key, ttlMs)
      }),
    hashGetMany: (keys) =>
      exec(() =>
        keys.map((key) => {
          const hash = store.hgetall(key)
          return Object.keys(hash).length > 0 ? hash : null
        })
      ),
    delete: (keys) => exec(() => store.del(...keys)),
    sortedAdd: (key, score, member) =>
      exec(() => {
        store.zadd(key, score, member)
      }),
    sortedRemove: (key, members) => exec(() => store.zrem(key, ...members)),
    sortedRangeDesc: (key, offset, count) =>
      exec(() => (count > 0 ? store.zrevrange(key, offset, offset + count - 1) : [])),
    sortedCount: (key) => exec(() => store.zcard(key)),

    // The body runs without yielding, so no other broker call interleaves: atomic, like EVAL.
    run: (script, keys, argv) => exec(() => asRedisReply(script.embedded(store, keys, argv))),

    diagnostics: Effect.suspend(() => {
      const started = performance.now()
      return exec(() => {
        store.set(diagnosticsKey, "ping", { pxMs: 1000 })
        store.get(diagnosticsKey)
      }).pipe(
        Effect.map(() => ({
          backend: "embedded" as const,
          mode: "embedded" as const,
          version: "embedded-1",
          roundTripMs: Math.round((performance.now() - started) * 1000) / 1000
        }))
      )
    })
  }
}

/** A layer with a fresh embedded broker (its own keyspace) each time it is built. */
export const layerMemory = (options: MemoryBrokerOptions = {}): Layer.Layer<Broker> =>
  Layer.sync(Broker, () => makeMemoryBroker(options))
