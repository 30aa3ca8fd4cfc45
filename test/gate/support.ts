/**
 * @module test/gate/support — run a gate test against each backend: an app
 * with the gate's routes (and the kernel middleware) plus the same broker for
 * `awaitGate`, on the embedded broker and on a real redis-server.
 */
import { Effect, Layer, Runtime } from "effect"
import type { Hono } from "hono"
import { gateRoutes } from "../../actors/gate/routes.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { AppConfig, type AppConfigShape, makeConfig } from "../../src/config.ts"
import { makeApp } from "../../src/http/app.ts"
import { type AppEnv, makeRunner } from "../../src/http/routes.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

export type Backend = "embedded" | "redis"
export const BACKENDS: ReadonlyArray<Backend> = ["embedded", "redis"]

export interface GateHarness {
  readonly app: Hono<AppEnv>
  readonly config: AppConfigShape
  /** Run an Effect that needs the broker and config of this harness. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Broker | AppConfig>) => Promise<A>
}

/** Config with a unique key prefix, pointing at the shared redis-server for "redis". */
export const configFor = async (backend: Backend, overrides: Partial<AppConfigShape> = {}): Promise<AppConfigShape> =>
  makeConfig({
    keyPrefix: uniqueName("p"),
    redisUrl: backend === "redis" ? (await sharedRedis()).url : undefined,
    ...overrides
  })

export const brokerFor = (config: AppConfigShape): Layer.Layer<Broker, unknown> =>
  config.redisUrl === undefined ? layerMemory() : layerRedis({ url: config.redisUrl, keyPrefix: config.keyPrefix })

/** Build a harness, run `body`, then close the broker. */
export const withGate = async <A>(backend: Backend, body: (h: GateHarness) => Promise<A>, overrides: Partial<AppConfigShape> = {}): Promise<A> => {
  const config = await configFor(backend, overrides)
  const layer = Layer.merge(brokerFor(config), Layer.succeed(AppConfig, config))
  return Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(layer)
    const runtime = yield* Effect.provide(Effect.runtime<Broker | AppConfig>(), context)
    const app = makeApp(config, [{ routes: gateRoutes(makeRunner(runtime), config.ioMessageMaxBytes) }])
    const run = <X, E>(effect: Effect.Effect<X, E, Broker | AppConfig>) => Runtime.runPromise(runtime)(effect)
    return yield* Effect.promise(() => body({ app, config, run }))
  })))
}

/** POST JSON to the app. */
export const post = async (app: Hono<AppEnv>, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
  })
