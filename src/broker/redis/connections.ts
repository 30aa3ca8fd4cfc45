/**
 * @module broker/redis/connections — the two kinds of Redis connection the
 * broker holds, and how they are opened and closed.
 *
 * - One **command** connection for every non-blocking operation. It has no
 *   offline queue and few retries, so while Redis is down a call fails at once
 *   with `StreamUnavailable` (→ 503 + Retry-After) instead of queueing.
 * - A small **pool of blocking** connections, one per in-flight blocking call
 *   (BLMOVE, BRPOP, XREAD[GROUP] BLOCK), because a blocked connection cannot
 *   serve anything else. Each call races a watchdog; a connection whose call
 *   was interrupted, timed out or failed is disconnected and never reused.
 */
import { Effect, type Scope } from "effect"
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis"
import type { StreamUnavailable } from "../../errors.ts"
import { describeAddress, type RedisAddress } from "./address.ts"
import { makeRawPipe, type RawPipe } from "./rawPipe.ts"
import { makeBlockingPool, type BlockingPool } from "./blockingPool.ts"
import { makeAttempt, reconnectDelayMs, unavailable, type Attempt } from "./failure.ts"

/** A standalone connection or a cluster client; every command goes through `call`, which both route. */
export type Client = Redis | Cluster

/** What the connection code needs to know. */
export interface ConnectionSettings {
  readonly address: RedisAddress
  /** Seed nodes; when present the broker talks Redis Cluster. */
  readonly clusterNodes: ReadonlyArray<RedisAddress> | undefined
  readonly connectTimeoutMs: number
  /** Upper bound for one non-blocking command, so a half-open socket cannot hang a caller. */
  readonly commandTimeoutMs: number
  /** Most blocking connections open at once; further blocking calls wait for one. */
  readonly blockingConnections: number
  /** Added to a blocking call's own timeout before the watchdog gives up on the connection. */
  readonly watchdogMarginMs: number
}

type Role = "command" | "blocking"

const roleOptions = (role: Role, settings: ConnectionSettings): RedisOptions =>
  role === "command"
    ? {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: settings.commandTimeoutMs
    }
    : {
      // A blocking call legitimately outlives any per-command budget; the watchdog
      // bounds it instead. No reconnects: ioredis would re-send an unanswered BLMOVE
      // on the new socket behind our back, and the pool replaces dead connections anyway.
      enableOfflineQueue: false,
      maxRetriesPerRequest: null
    }

const create = (role: Role, settings: ConnectionSettings): Client => {
  const { address } = settings
  const shared: RedisOptions = {
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    connectionName: `fluxgate-${role}`,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls ? { tls: { servername: address.host } } : {}),
    ...roleOptions(role, settings)
  }
  const reconnect = role === "command" ? reconnectDelayMs : () => null
  if (settings.clusterNodes && settings.clusterNodes.length > 0) {
    const { enableOfflineQueue, lazyConnect, ...redisOptions } = shared
    const options: ClusterOptions = {
      lazyConnect,
      enableOfflineQueue,
      clusterRetryStrategy: reconnect,
      redisOptions
    }
    return new Cluster(settings.clusterNodes.map(({ host, port }) => ({ host, port })), options)
  }
  return new Redis({ ...shared, host: address.host, port: address.port, db: address.db, retryStrategy: reconnect })
}

/**
 * Open and connect a client: lazyConnect plus an explicit `connect()`, so a
 * wrong address fails instead of retrying silently forever. Rejects with the
 * reason: connect() itself only says "Connection is closed."; ECONNREFUSED,
 * ENOTFOUND or WRONGPASS arrive as 'error' events, so the last one is kept.
 */
const connectClient = async (role: Role, settings: ConnectionSettings): Promise<Client> => {
  let lastError: unknown = undefined
  const client = create(role, settings)
  // Without a listener ioredis logs "Unhandled error event" on every reconnect
  // attempt; the failures themselves reach callers as rejected commands.
  client.on("error", (error: unknown) => {
    lastError = error
  })
  if (client instanceof Cluster) client.on("node error", (error: unknown) => (lastError = error))
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${settings.connectTimeoutMs} ms`)), settings.connectTimeoutMs + 500)
      })
    ])
    return client
  } catch (cause) {
    // The client would keep reconnecting in the background after a failed connect.
    client.disconnect()
    throw lastError ?? cause
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The command connection, in the current scope. Closed with QUIT so replies in
 * flight still arrive (blocking connections are cut by their pool instead:
 * QUIT would queue behind a pending BLOCK).
 */
const openCommand = (settings: ConnectionSettings): Effect.Effect<Client, StreamUnavailable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => connectClient("command", settings),
      catch: (error) => unavailable(describeAddress(settings.address), "connect (command)", error)
    }),
    (client) =>
      client.status !== "ready"
        ? Effect.sync(() => client.disconnect())
        : Effect.tryPromise(() => client.quit()).pipe(
          Effect.timeout("1 second"),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => client.disconnect()))
        )
  )

/** The broker's connections plus the helpers every operation file uses. */
export interface Connections {
  /** `redis://host:port[/db]` without credentials, for messages. */
  readonly address: string
  readonly mode: "standalone" | "cluster"
  /** The fail-fast command connection. */
  readonly command: Client
  /** Run an ioredis call, mapping rejections to `StreamUnavailable`. */
  readonly attempt: Attempt
  /**
   * Run one blocking call on a pooled connection of its own, for at most
   * `blockMs` + the watchdog margin. Unless it succeeds, the connection is
   * disconnected and dropped: an interrupted BLMOVE may still be pending
   * server-side, and only closing the socket cancels it.
   *
   * When every pooled connection stays busy for the whole `blockMs`, the
   * caller's wait is over anyway, so `whenBusy` (the same operation without
   * waiting, on the command connection) answers instead of queueing longer.
   */
  readonly blocking: BlockingPool<Client>["blocking"]
  /** Standalone only: stream appends and scripts as raw RESP on a connection of their own, opened on first use (see rawPipe). */
  readonly rawPipe: RawPipe | undefined
}

/** Open the command connection and the (lazily filled) blocking pool in the current scope. */
export const makeConnections = (settings: ConnectionSettings): Effect.Effect<Connections, StreamUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const address = describeAddress(settings.address)
    const attempt = makeAttempt(address)
    const command = yield* openCommand(settings)
    const pool = makeBlockingPool<Client>({
      address,
      max: settings.blockingConnections,
      watchdogMarginMs: settings.watchdogMarginMs,
      connect: () => connectClient("blocking", settings)
    })
    yield* Effect.addFinalizer(() => Effect.sync(pool.close))
    const blocking = pool.blocking
    const mode = settings.clusterNodes && settings.clusterNodes.length > 0 ? "cluster" : "standalone"
    const rawPipe = mode === "standalone"
      ? makeRawPipe({ address: settings.address, connectTimeoutMs: settings.connectTimeoutMs, replyTimeoutMs: settings.commandTimeoutMs })
      : undefined
    if (rawPipe !== undefined) yield* Effect.addFinalizer(() => Effect.sync(rawPipe.close))
    return { address, mode, command, attempt, blocking, rawPipe } satisfies Connections
  })
