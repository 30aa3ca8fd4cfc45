/**
 * @module test/tasks/support — an in-process Fluxgate with the tasks and worker
 * roles on the embedded broker or a real redis-server, plus the broker itself
 * (to push raw items the way a seed-004 producer would) and small HTTP helpers.
 */
import { Effect, Layer, Logger, LogLevel } from "effect"
import type { Hono } from "hono"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Broker, type BrokerService } from "../../src/broker/Broker.ts"
import { keys, type Keys } from "../../src/broker/keys.ts"
import { type AppConfigShape, type Role, makeConfig } from "../../src/config.ts"
import { makeApp } from "../../src/http/app.ts"
import { HttpRoutes, type AppEnv } from "../../src/http/routes.ts"
import { processLayer } from "../../src/main.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

/** Response bodies in tests are read field by field and asserted; a loose type keeps that short. */
// deno-lint-ignore no-explicit-any
export type Json = any

export type Backend = "embedded" | "redis"
export const BACKENDS: ReadonlyArray<Backend> = ["embedded", "redis"]

export interface TaskHarness {
  readonly app: Hono<AppEnv>
  readonly config: AppConfigShape
  readonly broker: BrokerService
  readonly keys: Keys
  /** GET/POST/DELETE JSON helpers returning status and parsed body. */
  readonly call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json }>
  /** Poll `GET /tasks/:id/status` until `until(view)` holds (bounded). */
  readonly waitFor: (id: string, until: (view: Json) => boolean, withinMs?: number) => Promise<Json>
}

/** Config for a test: unique prefix, fast retries, a private OUTPUT_PATH, the shared redis-server for "redis". */
export const configFor = async (backend: Backend, overrides: Partial<AppConfigShape> = {}): Promise<AppConfigShape> =>
  makeConfig({
    keyPrefix: uniqueName("p"),
    instanceId: "T",
    roles: ["tasks", "worker"] as ReadonlyArray<Role>,
    redisUrl: backend === "redis" ? (await sharedRedis()).url : undefined,
    queueName: uniqueName("messages"),
    taskQueue: uniqueName("tasks"),
    workerQueues: [],
    taskBackoffMs: 20,
    taskBackoffMaxMs: 100,
    taskMaxAttempts: 3,
    workerHeartbeatTtlMs: 1000,
    outputPath: join(mkdtempSync(join(tmpdir(), "fluxgate-tasks-")), "out", "processed.log"),
    appLogLevel: "None",
    ...overrides
  })

/** Build the process for `config` (with `workerQueues` defaulted as the real config does), run `body`, shut down. */
export const withTasks = async <A>(config: AppConfigShape, body: (h: TaskHarness) => Promise<A>): Promise<A> => {
  const effective = { ...config, workerQueues: config.workerQueues.length > 0 ? config.workerQueues : [config.queueName, config.taskQueue] }
  return Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(processLayer(effective, "node"))
    const broker = yield* Effect.provide(Broker, context)
    const routes = yield* Effect.provide(HttpRoutes, context)
    const app = makeApp(effective, routes.all())
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(path, {
        method,
        headers: typeof body === "string" ? { "content-type": "text/plain" } : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed as Json }
    }
    const waitFor = async (id: string, until: (view: Json) => boolean, withinMs = 10_000) => {
      const deadline = Date.now() + withinMs
      let last: Json
      while (Date.now() < deadline) {
        last = (await call("GET", `/tasks/${id}/status`)).body
        if (until(last)) return last
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error(`task ${id} did not reach the expected state in ${withinMs} ms; last: ${JSON.stringify(last)}`)
    }
    return yield* Effect.promise(() => body({ app, config: effective, broker, keys: keys(effective.keyPrefix), call, waitFor }))
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Error))))
}
