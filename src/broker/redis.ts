/**
 * @module broker/redis — the production broker: `Broker` over Redis or Valkey
 * (standalone or Cluster) with ioredis. The operations live in `./redis/*`,
 * one file per data type; KEYS/ARGV are built only there.
 */
import { Effect, Layer } from "effect"
import { StreamUnavailable } from "../errors.ts"
import { Broker, type BrokerService } from "./Broker.ts"
import { keys } from "./keys.ts"
import { describeAddress, parseRedisAddress, type RedisAddress } from "./redis/address.ts"
import { makeConnections } from "./redis/connections.ts"
import { diagnostics } from "./redis/diagnostics.ts"
import { reasonOf } from "./redis/failure.ts"
import { groupOps } from "./redis/groups.ts"
import { listOps } from "./redis/lists.ts"
import { scriptRunner } from "./redis/scripts.ts"
import { streamOps } from "./redis/streams.ts"
import { valueOps } from "./redis/values.ts"

export { describeAddress, parseRedisAddress, type RedisAddress } from "./redis/address.ts"

/** How to reach Redis. Only `url` is required. */
export interface RedisBrokerOptions {
  /** `redis://[user:pass@]host:port/db`, `rediss://…` or `host:port` (see `parseRedisAddress`). */
  readonly url: string
  /** Cluster seed nodes (`host:port` or URLs); credentials and TLS come from `url`. */
  readonly clusterNodes?: ReadonlyArray<string>
  /** TCP connect budget per connection; default 2000 ms. */
  readonly connectTimeoutMs?: number
  /** Budget for one non-blocking command before it fails as unavailable; default 5000 ms. */
  readonly commandTimeoutMs?: number
  /** Most blocking calls (lease, take, blocking reads) parked on Redis at once; default 16. Beyond it a call waits its blockMs for a connection, then answers without blocking. */
  readonly blockingConnections?: number
  /** Extra time a blocking call gets past its own timeout before its connection is abandoned; default 1000 ms. */
  readonly watchdogMarginMs?: number
  /** `KEY_PREFIX` for the broker's own scratch keys; default "fluxgate". */
  readonly keyPrefix?: string
}

const parse = (value: string): Effect.Effect<RedisAddress, StreamUnavailable> =>
  Effect.try({
    try: () => parseRedisAddress(value),
    catch: (cause) => new StreamUnavailable({ message: reasonOf(cause) })
  })

/** Build the service from open connections (in the scope that owns them). */
const make = (options: RedisBrokerOptions) =>
  Effect.gen(function*() {
    const address = yield* parse(options.url)
    const clusterNodes = options.clusterNodes && options.clusterNodes.length > 0
      ? yield* Effect.forEach(options.clusterNodes, parse)
      : undefined
    const connections = yield* makeConnections({
      address,
      clusterNodes,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      commandTimeoutMs: options.commandTimeoutMs ?? 5000,
      blockingConnections: Math.max(1, options.blockingConnections ?? 16),
      watchdogMarginMs: options.watchdogMarginMs ?? 1000
    })
    yield* Effect.logDebug(`broker connected to ${describeAddress(address)} (${connections.mode})`)
    const service: BrokerService = {
      backend: "redis",
      mode: connections.mode,
      ...streamOps(connections),
      ...groupOps(connections),
      ...listOps(connections),
      ...valueOps(connections),
      run: scriptRunner(connections),
      diagnostics: diagnostics(connections, keys(options.keyPrefix ?? "fluxgate").diagnostics)
    }
    return service
  })

/**
 * The Redis broker as a scoped Layer: it connects eagerly (a wrong address or a
 * server that is down fails the Layer with `StreamUnavailable` naming the
 * address), and closing the scope releases every connection it opened.
 */
export const layerRedis = (options: RedisBrokerOptions): Layer.Layer<Broker, StreamUnavailable> =>
  Layer.scoped(Broker, make(options))
