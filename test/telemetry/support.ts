/**
 * @module test/telemetry/support — build a whole process (as `buildApp` does)
 * with extra test-only actor layers on top, and small HTTP helpers.
 */
import { Effect, Layer, type Scope } from "effect"
import type { Hono } from "hono"
import type { AppConfigShape } from "../../src/config.ts"
import { makeApp } from "../../src/http/app.ts"
import { HttpRoutes, type AppEnv } from "../../src/http/routes.ts"
import { processLayer } from "../../src/main.ts"
import type { Kernel } from "../../src/roster.ts"
import { traceMiddleware } from "../../src/telemetry/http.ts"
import { Tracing, type TracingService } from "../../src/telemetry/Tracing.ts"

/** The process for `config` plus `extra` actors (built after the kernel, like roster actors). */
export const buildWith = (
  config: AppConfigShape,
  extra: ReadonlyArray<Layer.Layer<never, unknown, Kernel>> = []
): Effect.Effect<{ readonly app: Hono<AppEnv>; readonly tracing: TracingService }, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const actors = extra.reduce((acc, l) => Layer.merge(acc, l), Layer.empty as Layer.Layer<never, unknown, Kernel>)
    const context = yield* Layer.build(Layer.provideMerge(actors, processLayer(config, "node")))
    const routes = yield* Effect.provide(HttpRoutes, context)
    const tracing = yield* Effect.provide(Tracing, context)
    return { app: makeApp(config, routes.all(), traceMiddleware(tracing)), tracing }
  })

/** `app.request` as an Effect. */
export const request = (app: Hono<AppEnv>, path: string, init?: RequestInit) => Effect.promise(() => Promise.resolve(app.request(path, init)))

/** GET a JSON document. */
export const getJson = <A = Record<string, unknown>>(app: Hono<AppEnv>, path: string) =>
  Effect.flatMap(request(app, path), (res) => Effect.promise(async () => ({ status: res.status, body: (await res.json()) as A })))
