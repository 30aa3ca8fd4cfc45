/**
 * @module test/telemetry/tracing.http — a request is a server span that
 * continues the client's trace, handlers' and actors' spans land in the
 * process's buffer, and /debug/traces shows and filters them.
 */
import { Effect, Layer } from "effect"
import { Hono } from "hono"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { handleMessage, pause, supervise } from "../../src/actor/supervise.ts"
import { makeConfig } from "../../src/config.ts"
import { StreamUnavailable } from "../../src/errors.ts"
import { registerRoutes, type AppEnv } from "../../src/http/routes.ts"
import { parseTraceparent } from "../../src/telemetry/traceparent.ts"
import { buildWith, getJson, request } from "./support.ts"

const TRACE = "0af7651916cd43dd8448eb211c80319c"
const CLIENT_SPAN = "b7ad6b7169203331"

/** A test-only actor: a supervised fiber handling a message every 30 ms, and a route that opens a span. */
const Probe = Layer.scopedDiscard(Effect.gen(function*() {
  yield* supervise("probe", "main", handleMessage("probe", "main", "tick", pause(5), { queue: "q1" }).pipe(Effect.zipRight(pause(30))))
  yield* registerRoutes<never>("probe", (run) =>
    new Hono<AppEnv>()
      .get("/probe", (c) => run(c, Effect.map(Effect.withSpan(pause(2), "probe.route"), () => c.text("ok"))))
      .get("/probe/fail", (c) => run(c, Effect.withSpan(new StreamUnavailable({ message: "probe down" }), "probe.fail"))))
}))

const config = (overrides = {}) => makeConfig({ roles: ["collector"], instanceId: "tracing-http", ...overrides })

test("a request with a traceparent runs in a server span of that trace, returned in the traceparent header", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(config(), [Probe])
    const res = yield* request(app, "/probe", { headers: { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` } })
    assert.is(res.status, 200)
    const back = parseTraceparent(res.headers.get("traceparent"))
    assert.ok(back, "response has a valid traceparent")
    assert.is(back.traceId, TRACE)
    assert.is.not(back.spanId, CLIENT_SPAN)
    const { status, body } = yield* getJson<{ spans: Array<{ name: string; span_id: string; parent_span_id: string | null; kind: string; instance_id: string }> }>(app, `/debug/traces/${TRACE}`)
    assert.is(status, 200)
    const server = body.spans.find((s) => s.name === "http GET /probe")
    const child = body.spans.find((s) => s.name === "probe.route")
    assert.ok(server && child, JSON.stringify(body.spans.map((s) => s.name)))
    assert.is(server.span_id, back.spanId)
    assert.is(server.parent_span_id, CLIENT_SPAN)
    assert.is(server.kind, "server")
    assert.is(child.parent_span_id, server.span_id)
    assert.is(server.instance_id, "tracing-http")
  })))
})

test("through the /api/* alias the returned traceparent names the trace that holds the handler's spans", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(config(), [Probe])
    const res = yield* request(app, "/api/probe")
    assert.is(res.status, 200)
    const tp = parseTraceparent(res.headers.get("traceparent"))
    assert.ok(tp)
    const { status, body } = yield* getJson<{ spans: Array<{ name: string; span_id: string; parent_span_id: string | null }> }>(app, `/debug/traces/${tp.traceId}`)
    assert.is(status, 200)
    const server = body.spans.find((s) => s.span_id === tp.spanId)
    assert.is(server?.name, "http GET /probe")
    assert.ok(body.spans.some((s) => s.name === "probe.route" && s.parent_span_id === tp.spanId))
  })))
})

test("a request without a traceparent starts a new trace and still gets one back", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(config(), [Probe])
    const a = parseTraceparent((yield* request(app, "/probe")).headers.get("traceparent"))
    const b = parseTraceparent((yield* request(app, "/probe", { headers: { traceparent: "garbage" } })).headers.get("traceparent"))
    assert.ok(a && b)
    assert.is.not(a.traceId, b.traceId)
  })))
})

test("actor fiber spans from handleMessage are recorded and /debug/traces filters by actor, status and duration", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(config(), [Probe])
    yield* pause(150)
    const failed = yield* request(app, "/probe/fail")
    assert.is(failed.status, 503)
    type List = { traces: Array<{ trace_id: string; root: string; status: string; actors: Array<string>; duration_ms: number }> }
    const probe = (yield* getJson<List>(app, "/debug/traces?actor=probe")).body.traces
    assert.ok(probe.some((t) => t.root === "probe.tick"), JSON.stringify(probe.slice(0, 3)))
    assert.ok(probe.every((t) => t.actors.includes("probe")))
    const errors = (yield* getJson<List>(app, "/debug/traces?status=error")).body.traces
    assert.is(errors.length, 1)
    assert.is(errors[0].root, "http GET /probe/fail")
    const slow = (yield* getJson<List>(app, "/debug/traces?min_duration_ms=60000")).body.traces
    assert.is(slow.length, 0)
    const bad = yield* request(app, "/debug/traces?status=weird")
    assert.is(bad.status, 400)
    const missing = yield* request(app, `/debug/traces/${"f".repeat(32)}`)
    assert.is(missing.status, 404)
  })))
})

test("with TRACE_BUFFER_SPANS=0 nothing is recorded but traceparent still flows", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(config({ traceBufferSpans: 0 }), [Probe])
    const res = yield* request(app, "/probe", { headers: { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` } })
    assert.is(parseTraceparent(res.headers.get("traceparent"))?.traceId, TRACE)
    const list = yield* getJson<{ recording: boolean; traces: Array<unknown> }>(app, "/debug/traces")
    assert.is(list.body.recording, false)
    assert.is(list.body.traces.length, 0)
  })))
})

test.run()
