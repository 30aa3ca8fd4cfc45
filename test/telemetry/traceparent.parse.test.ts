/**
 * @module test/telemetry/traceparent.parse — W3C traceparent parsing and
 * formatting, and continuing a stored trace from Effect code.
 */
import { Effect, Option } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { formatTraceparent, parseTraceparent, withSampledTrace, withStoredTrace } from "../../src/telemetry/traceparent.ts"
import { continueStoredTraces } from "../../src/telemetry/continue.ts"
import { makeAdmission, makeLocalSampler, makeRecordingTracer, plainTracer } from "../../src/telemetry/tracer.ts"
import { randomHex } from "../../src/random.ts"

const T = "4bf92f3577b34da6a3ce929d0e0e4736"
const S = "00f067aa0ba902b7"

test("a valid traceparent parses and formats back unchanged", () => {
  const p = parseTraceparent(`00-${T}-${S}-01`)
  assert.equal(p, { traceId: T, spanId: S, sampled: true })
  assert.is(formatTraceparent(p!), `00-${T}-${S}-01`)
  assert.is(parseTraceparent(`00-${T}-${S}-00`)?.sampled, false)
  assert.is(parseTraceparent(` 00-${T.toUpperCase()}-${S}-01 `)?.traceId, T)
})

test("invalid traceparents are ignored (a new trace starts), as the spec requires", () => {
  for (const bad of [undefined, "", "garbage", `00-${"0".repeat(32)}-${S}-01`, `00-${T}-${"0".repeat(16)}-01`, `ff-${T}-${S}-01`, `00-${T}-${S}-01-extra`, `00-${T.slice(1)}-${S}-01`]) {
    assert.is(parseTraceparent(bad), undefined, String(bad))
  }
  // a future version may append fields
  assert.is(parseTraceparent(`01-${T}-${S}-01-future`)?.traceId, T)
})

test("withStoredTrace makes the spans of an effect children of the stored traceparent", async () => {
  const span = await Effect.runPromise(withStoredTrace({ traceparent: `00-${T}-${S}-01` }, Effect.withSpan(Effect.currentSpan, "worker.attempt")))
  assert.is(span.traceId, T)
  const parent = Option.getOrThrow(span.parent)
  assert.is(parent.spanId, S)
  const fresh = await Effect.runPromise(withStoredTrace({}, Effect.withSpan(Effect.currentSpan, "worker.attempt")))
  assert.is.not(fresh.traceId, T)
  assert.ok(Option.isNone(fresh.parent))
})

test("withSampledTrace opens a child span of a sampled stored trace and nothing otherwise", async () => {
  const inner = Effect.map(Effect.option(Effect.currentSpan), Option.getOrUndefined)
  const sampled = await Effect.runPromise(withSampledTrace("worker.task", { traceparent: `00-${T}-${S}-01` }, { task_id: "t1" }, inner))
  assert.is(sampled?.name, "worker.task")
  assert.is(sampled?.traceId, T)
  assert.is(sampled?.attributes.get("task_id"), "t1")
  assert.is(await Effect.runPromise(withSampledTrace("worker.task", { traceparent: `00-${T}-${S}-00` }, {}, inner)), undefined)
  assert.is(await Effect.runPromise(withSampledTrace("worker.task", {}, {}, inner)), undefined)
})

test("a batch records one span per sampled stored trace, covering all of that trace's entries", async () => {
  const ended: Array<{ name: string; traceId: string; parent: string; attributes: Map<string, unknown> }> = []
  const tracer = makeRecordingTracer(plainTracer, (span) => {
    ended.push({ name: span.name, traceId: span.traceId, parent: Option.getOrThrow(span.parent).spanId, attributes: new Map(span.attributes) })
  }, () => true)
  const T2 = "5bf92f3577b34da6a3ce929d0e0e4736"
  const entries = [
    { id: "1-0", fields: { traceparent: `00-${T}-${S}-01` } },
    { id: "1-1", fields: { traceparent: `00-${T2}-${S}-01` } },
    { id: "1-2", fields: { traceparent: `00-${T}-${S}-01` } },
    { id: "1-3", fields: { traceparent: `00-${T}-${S}-00` } },
    { id: "1-4", fields: {} }
  ]
  const result = await Effect.runPromise(Effect.withTracer(continueStoredTraces("distributor.sink", entries, { who: "me" }, Effect.succeed(42)), tracer))
  assert.is(result, 42)
  assert.equal(ended.map((e) => [e.name, e.traceId, e.parent]), [["distributor.sink", T, S], ["distributor.sink", T2, S]])
  assert.equal([...ended[0].attributes], [["who", "me"], ["stream_id", "1-0"], ["entries", 2], ["last_stream_id", "1-2"]])
  assert.equal([...ended[1].attributes], [["who", "me"], ["stream_id", "1-1"], ["entries", 1]])
})

test("span and trace ids are lowercase hex of the right length, never all zeros, and do not repeat", () => {
  const ids = Array.from({ length: 5000 }, () => randomHex(16))
  assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id) && id !== "0".repeat(16)))
  assert.is(new Set(ids).size, ids.length)
  assert.match(randomHex(32), /^[0-9a-f]{32}$/)
  // every digit shows up: the bytes are not stuck in a range
  assert.is(new Set(ids.join("")).size, 16)
})

test("the trace-index admission allows at most its rate of new traces per second", () => {
  let now = 0
  const admit = makeAdmission(3, () => now)
  assert.equal([admit(), admit(), admit(), admit()], [true, true, true, false])
  now = 500
  assert.equal([admit(), admit()], [true, false])
  assert.is(makeAdmission(0)(), false)
})

test("only server (entry) spans start shared traces; children inherit the decision", async () => {
  const tracer = makeRecordingTracer(plainTracer, () => {}, () => true)
  const loop = await Effect.runPromise(Effect.withTracer(Effect.withSpan(Effect.currentSpan, "collector.append"), tracer))
  assert.is(loop.sampled, false)
  const child = await Effect.runPromise(Effect.withTracer(Effect.withSpan(Effect.withSpan(Effect.currentSpan, "inner"), "http GET /x", { kind: "server" }), tracer))
  assert.is(child.sampled, true)
  assert.is(formatTraceparent(child).slice(-2), "01")
  const refused = makeRecordingTracer(plainTracer, () => {}, () => false)
  const server = await Effect.runPromise(Effect.withTracer(Effect.withSpan(Effect.currentSpan, "http GET /x", { kind: "server" }), refused))
  assert.is(server.sampled, false)
})

test("the local span buffer keeps every trace below its rate and a fair, whole-trace sample above it", () => {
  let now = 0
  const sampler = makeLocalSampler(100, () => now)
  for (let i = 0; i < 10; i++) sampler.root()
  now = 200
  sampler.root()
  assert.is(sampler.fraction(), 1)
  assert.ok(sampler.keep("ffffffff" + "0".repeat(24)))
  for (let i = 0; i < 79; i++) sampler.root()
  now = 400
  sampler.root()
  assert.ok(Math.abs(sampler.fraction() - 0.25) < 0.01, String(sampler.fraction()))
  // the decision is by trace id: the same trace is always kept or always dropped
  assert.is(sampler.keep("10000000" + "0".repeat(24)), true)
  assert.is(sampler.keep("f0000000" + "0".repeat(24)), false)
  const ids = Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, "0") + "0".repeat(24))
  const kept = ids.filter((id) => sampler.keep(id)).length / ids.length
  assert.ok(kept > 0.2 && kept < 0.3, String(kept))
})

test.run()
