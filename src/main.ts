/**
 * @module main — the program both runtimes run: read config, build the broker
 * and the actors this process's `ROLES` select, serve the app, and on
 * interruption shut down in order (stop intake → end streams → drain actors →
 * close the broker) within `SHUTDOWN_TIMEOUT_MS`.
 */
import { Effect, Layer, Logger, LogLevel, type Scope } from "effect"
import type { Hono } from "hono"
import { layerRegistry } from "./actor/registry.ts"
import { Broker } from "./broker/Broker.ts"
import { layerMemory } from "./broker/memory.ts"
import { layerRedis } from "./broker/redis.ts"
import { AppConfig, type AppConfigShape, describeConfigError, loadConfig } from "./config.ts"
import { makeApp } from "./http/app.ts"
import { registerKernelRoutes } from "./http/kernel.ts"
import { HttpRoutes, layerRoutes, type AppEnv } from "./http/routes.ts"
import { Lifecycle, layerLifecycle, type LifecycleService, type RuntimeName } from "./lifecycle.ts"
import { roster } from "./actors.ts"
import type { ActorLayer } from "./roster.ts"
import { traceMiddleware } from "./telemetry/http.ts"
import { registerTelemetryRoutes } from "./telemetry/routes.ts"
import { layerTelemetry, Tracing } from "./telemetry/Tracing.ts"

/** What a runtime adapter provides: serve a fetch handler, stop serving, exit. */
export interface ServerAdapter {
  readonly runtime: RuntimeName
  /** Start listening; the returned `close` stops accepting and resolves when the listener is closed. */
  readonly serve: (app: Hono<AppEnv>, options: { port: number; host: string }) => Promise<{ readonly port: number; readonly close: () => Promise<void> }>
  readonly exit: (code: number) => void
}

/** Start-up failed before serving (bad config, unreachable Redis): the message says why. */
export class StartupError extends Error {
  override readonly name = "StartupError"
}

/** The broker layer for this config: Redis when an address is set, else the embedded one. */
export const brokerLayer = (config: AppConfigShape): Layer.Layer<Broker, unknown> =>
  config.redisUrl !== undefined || config.redisClusterNodes.length > 0
    ? layerRedis({ url: config.redisUrl ?? `redis://${config.redisClusterNodes[0]}`, clusterNodes: config.redisClusterNodes.length > 0 ? config.redisClusterNodes : undefined })
    : layerMemory()

/** Every layer this process runs, built on the kernel. */
export const processLayer = (config: AppConfigShape, runtime: RuntimeName) => {
  const kernel = Layer.mergeAll(layerRegistry, layerRoutes, layerLifecycle(runtime), Layer.succeed(AppConfig, config), brokerLayer(config))
  // Tracing is built on the kernel and before the actors, so its tracer is the one every actor fiber uses.
  const withTelemetry = Layer.provideMerge(layerTelemetry, kernel)
  const selected: Array<Layer.Layer<never, unknown, Layer.Layer.Success<typeof withTelemetry>>> = [
    Layer.effectDiscard(registerKernelRoutes),
    Layer.effectDiscard(registerTelemetryRoutes)
  ]
  for (const role of config.roles) selected.push(...(roster[role] ?? []))
  // Layer.merge may build actors concurrently; their route paths never overlap, so mount order does not matter.
  const actors = selected.reduce((acc, layer) => Layer.merge(acc, layer), Layer.empty as ActorLayer)
  return Layer.provideMerge(actors, withTelemetry)
}

/** Build the process and return its app (the runtime adapter serves it). For tests: `Effect.scoped`. */
export const buildApp = (
  config: AppConfigShape,
  runtime: RuntimeName
): Effect.Effect<{ readonly app: Hono<AppEnv>; readonly lifecycle: LifecycleService }, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(processLayer(config, runtime))
    const routes = yield* Effect.provide(HttpRoutes, context)
    const lifecycle = yield* Effect.provide(Lifecycle, context)
    const tracing = yield* Effect.provide(Tracing, context)
    // Registered last, so it runs first on shutdown: readiness drops and streams end.
    yield* Effect.addFinalizer(() => lifecycle.beginShutdown)
    return { app: makeApp(config, routes.all(), traceMiddleware(tracing)), lifecycle }
  })

const logLevel = (config: AppConfigShape) => LogLevel.fromLiteral(config.appLogLevel)

/** The main program of a runtime adapter. */
export const main = (adapter: ServerAdapter): Effect.Effect<never, StartupError> =>
  Effect.gen(function*() {
    const config = yield* loadConfig.pipe(
      Effect.mapError((e) => new StartupError(describeConfigError(e))),
      Effect.tapError((e) => Effect.sync(() => console.error(`fluxgate: ${e.message}`)))
    )
    const program = Effect.gen(function*() {
      const { app, lifecycle } = yield* buildApp(config, adapter.runtime).pipe(
        Effect.mapError((e) => new StartupError(`start-up failed: ${e instanceof Error || (typeof e === "object" && e !== null && "message" in e) ? String((e as { message: unknown }).message) : String(e)}`))
      )
      const server = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => adapter.serve(app, { port: config.port, host: config.host }),
          catch: (e) => new StartupError(`cannot listen on ${config.host}:${config.port}: ${e instanceof Error ? e.message : String(e)}`)
        }),
        // Stop intake first: readiness drops and open streams end, then the listener closes.
        (s) =>
          Effect.logInfo("server:stopping").pipe(
            Effect.zipRight(lifecycle.beginShutdown),
            Effect.zipRight(Effect.promise(() => s.close()))
          )
      )
      yield* Effect.logInfo("server:listening", { port: server.port, roles: config.roles.join(","), runtime: adapter.runtime, backend: config.redisUrl ? "redis" : "embedded" })
      // A deadline for the whole shutdown: if draining overruns, exit anyway (non-zero, logged).
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          const timer = setTimeout(() => {
            console.error(`shutdown exceeded SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting`)
            adapter.exit(1)
          }, config.shutdownTimeoutMs)
          if (typeof timer === "object" && timer !== null && "unref" in timer) timer.unref()
        })
      )
      return yield* Effect.never
    })
    return yield* Effect.scoped(program).pipe(
      // Start-up problems are for people: print the message alone, no stack.
      Effect.tapError((e) => Effect.sync(() => console.error(`fluxgate: ${e.message}`))),
      Logger.withMinimumLogLevel(logLevel(config)),
      Effect.provide(Logger.logFmt)
    )
  })
