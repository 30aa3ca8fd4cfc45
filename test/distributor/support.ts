/**
 * @module test/distributor/support — the log pipeline under test: a whole app
 * (collector + distributor, via `buildApp`) on the embedded broker or a real
 * redis-server, plus an SSE client that parses with eventsource-parser.
 */
import { Context, Effect, Exit, Layer, Runtime, Scope } from "effect"
import { createParser, type EventSourceMessage } from "eventsource-parser"
import type { Hono } from "hono"
import { makeConfig, type AppConfigShape } from "../../src/config.ts"
import type { AppEnv } from "../../src/http/routes.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { makeApp } from "../../src/http/app.ts"
import { HttpRoutes } from "../../src/http/routes.ts"
import { Lifecycle } from "../../src/lifecycle.ts"
import { processLayer } from "../../src/main.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

export type Backend = "embedded" | "redis"
export const BACKENDS: ReadonlyArray<Backend> = ["embedded", "redis"]

export interface Pipeline {
  readonly app: Hono<AppEnv>
  readonly config: AppConfigShape
  /** Run an Effect against this pipeline's broker (the same embedded instance, or Redis). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Broker>) => Promise<A>
  readonly close: () => Promise<void>
}

/** Config with a unique prefix and stream, on the shared redis-server for "redis". */
export const pipelineConfig = async (backend: Backend, overrides: Partial<AppConfigShape> = {}): Promise<AppConfigShape> =>
  makeConfig({
    roles: ["collector", "distributor"],
    keyPrefix: uniqueName("p"),
    streamName: uniqueName("logs"),
    redisUrl: backend === "redis" ? (await sharedRedis()).url : undefined,
    appLogLevel: "None",
    ...overrides
  })

/** A broker layer for `config` on its own (a fresh keyspace when embedded). */
export const brokerFor = (config: AppConfigShape): Layer.Layer<Broker, unknown> =>
  config.redisUrl === undefined ? layerMemory() : layerRedis({ url: config.redisUrl, keyPrefix: config.keyPrefix })

/** Build an app for `config`; `close` shuts it down like SIGTERM would (streams end, fibers stop). */
export const startPipeline = async (config: AppConfigShape): Promise<Pipeline> => {
  const scope = Effect.runSync(Scope.make())
  // What buildApp does, keeping the context so tests can reach the broker.
  const context = await Effect.runPromise(Scope.extend(Effect.gen(function*() {
    const context = yield* Layer.build(processLayer(config, "node"))
    yield* Effect.addFinalizer(() => Context.get(context, Lifecycle).beginShutdown)
    return context
  }), scope))
  const app = makeApp(config, Context.get(context, HttpRoutes).all())
  const runtime = Runtime.make({ context: context as Context.Context<Broker>, runtimeFlags: Runtime.defaultRuntimeFlags, fiberRefs: Runtime.defaultRuntime.fiberRefs })
  return {
    app,
    config,
    run: (effect) => Runtime.runPromise(runtime)(effect),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** Run `body` with a fresh pipeline, closing it afterwards. */
export const withPipeline = async <A>(backend: Backend, overrides: Partial<AppConfigShape>, body: (p: Pipeline) => Promise<A>): Promise<A> => {
  const pipeline = await startPipeline(await pipelineConfig(backend, overrides))
  try {
    return await body(pipeline)
  } finally {
    await pipeline.close()
  }
}

export interface LogInput {
  readonly source: string
  readonly level: string
  readonly message: string
  readonly metadata?: Record<string, string | number | boolean>
}

/** POST events as NDJSON; returns the ids (throws unless 202). */
export const ingest = async (app: Hono<AppEnv>, events: ReadonlyArray<LogInput>): Promise<Array<string>> => {
  const res = await app.request("/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: events.map((e) => JSON.stringify(e)).join("\n")
  })
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { ids: Array<string> }).ids
}

export const events = (n: number, source = "svc", from = 0): Array<LogInput> =>
  Array.from({ length: n }, (_, i) => ({ source, level: "INFO", message: `event ${from + i}` }))

/** An SSE client over a Response body; keeps every parsed event. */
export interface SseClient {
  readonly status: number
  readonly events: Array<EventSourceMessage>
  /** Wait until `predicate` holds over the events so far (or the stream ended / timed out). */
  readonly until: (predicate: (events: ReadonlyArray<EventSourceMessage>) => boolean, timeoutMs?: number) => Promise<boolean>
  readonly ended: () => boolean
  readonly close: () => Promise<void>
}

/** Read an SSE response in the background. With `paused`, nothing is read until `resume()`. */
export const sseClient = (response: Response): SseClient & { readonly dataEvents: () => Array<EventSourceMessage>; readonly comments: Array<string> } => {
  const received: Array<EventSourceMessage> = []
  const comments: Array<string> = []
  let done = false
  const parser = createParser({ onEvent: (event) => void received.push(event), onComment: (comment) => void comments.push(comment.trim()) })
  const body = response.body
  if (body === null) throw new Error("no body")
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const loop = (async () => {
    try {
      for (;;) {
        const { done: end, value } = await reader.read()
        if (end) break
        parser.feed(decoder.decode(value, { stream: true }))
      }
    } catch {
      // cancelled
    } finally {
      done = true
    }
  })()
  return {
    status: response.status,
    events: received,
    comments,
    dataEvents: () => received.filter((e) => e.event === undefined),
    ended: () => done,
    until: async (predicate, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (predicate(received)) return true
        if (done) return predicate(received)
        await new Promise((r) => setTimeout(r, 5))
      }
      return predicate(received)
    },
    close: async () => {
      await reader.cancel().catch(() => {})
      await loop
    }
  }
}

/** Subscribe through the app (no socket). */
export const subscribe = async (app: Hono<AppEnv>, query = "", headers: Record<string, string> = {}) =>
  sseClient(await app.request(`/subscribe${query}`, { headers }))

/** The `subscribers` gauge of the distributor, from /debug/actors. */
export const subscriberGauge = async (fetcher: (path: string) => Response | Promise<Response>): Promise<number> => {
  const body = (await (await fetcher("/debug/actors")).json()) as { actors: Array<{ name: string; gauges: Record<string, number> }> }
  return body.actors.find((a) => a.name === "distributor")?.gauges.subscribers ?? -1
}

/** Poll `check` until it holds or `timeoutMs` passes; the last check's answer. */
export const waitFor = async (check: () => Promise<boolean>, timeoutMs = 8000, everyMs = 25): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return check()
}
