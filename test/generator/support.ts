/**
 * @module test/generator/support — a process with the gate and generator
 * roles (built like `buildApp`, but keeping the broker so tests can read the
 * stream), on the embedded broker or a real redis-server, with its log file in
 * a fresh temporary directory.
 */
import { Effect, Layer, Runtime } from "effect"
import type { Hono } from "hono"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Broker, type StreamEntry } from "../../src/broker/Broker.ts"
import { AppConfig, type AppConfigShape, makeConfig } from "../../src/config.ts"
import { makeApp } from "../../src/http/app.ts"
import { HttpRoutes, type AppEnv } from "../../src/http/routes.ts"
import { processLayer } from "../../src/main.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

export type Backend = "embedded" | "redis"

export interface GenHarness {
  readonly app: Hono<AppEnv>
  readonly config: AppConfigShape
  readonly dir: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, Broker | AppConfig>) => Promise<A>
  /** Every entry of the generator's stream, oldest first. */
  readonly entries: () => Promise<ReadonlyArray<StreamEntry>>
  readonly length: () => Promise<number>
}

export const withGenerator = async <A>(backend: Backend, overrides: Partial<AppConfigShape>, body: (h: GenHarness) => Promise<A>): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-gen-"))
  const config = makeConfig({
    keyPrefix: uniqueName("p"),
    streamName: uniqueName("logs"),
    redisUrl: backend === "redis" ? (await sharedRedis()).url : undefined,
    roles: ["gate", "generator"],
    logFile: join(dir, "app.log"),
    generatorConsole: false,
    logFrequency: 0.02,
    ...overrides
  })
  try {
    return await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(processLayer(config, "node"))
      const routes = yield* Effect.provide(HttpRoutes, context)
      const runtime = yield* Effect.provide(Effect.runtime<Broker | AppConfig>(), context)
      const run = <X, E>(effect: Effect.Effect<X, E, Broker | AppConfig>) => Runtime.runPromise(runtime)(effect)
      const app = makeApp(config, routes.all())
      const entries = () => run(Effect.flatMap(Broker, (b) => b.rangeAfter(config.streamName, null, 10_000_000)))
      const length = () => run(Effect.map(Effect.flatMap(Broker, (b) => b.streamInfo(config.streamName)), (i) => i.length))
      return yield* Effect.promise(() => body({ app, config, dir, run, entries, length }))
    })))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Poll `check` every 20 ms until it returns true, or fail after `ms`. */
export const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 10_000) => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(20)
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

export interface GeneratorJson {
  running: boolean
  produced: number
  sent: number
  awaiting_gate: boolean
  append_failures: number
  bursts: Array<{ id: number; state: string; produced: number; sent: number; events: number }>
}

export const generatorState = async (app: Hono<AppEnv>) => (await app.request("/generator")).json() as Promise<GeneratorJson>

export const postJson = async (app: Hono<AppEnv>, path: string, body: unknown, method = "POST"): Promise<Response> =>
  app.request(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
