/**
 * @module test/telemetry/leaf — broker calls' leaf spans: children of the
 * fiber's current span, ended with the call's outcome, absent where tracing is
 * off for the fiber, and an interrupted call's cleanup runs.
 */
import { Effect, Exit, Fiber, type Tracer } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { asyncWithLeafSpan, promiseWithLeafSpan } from "../../src/telemetry/leaf.ts"
import { makeRecordingTracer, plainTracer } from "../../src/telemetry/tracer.ts"

const recorder = () => {
  const ended: Array<{ span: Tracer.Span; exit: Exit.Exit<unknown, unknown> }> = []
  const tracer = makeRecordingTracer(plainTracer, (span, _end, exit) => void ended.push({ span, exit }), () => false)
  return { ended, tracer }
}

test("a leaf span is a child of the current span, carries its attributes and ends with the outcome", async () => {
  const { ended, tracer } = recorder()
  const program = Effect.gen(function*() {
    const ok = yield* promiseWithLeafSpan("broker.ok", { "db.system": "redis" }, () => Promise.resolve(7), (e) => e)
    const failed = yield* Effect.either(promiseWithLeafSpan("broker.bad", {}, () => Promise.reject(new Error("boom")), (e) => `mapped: ${(e as Error).message}`))
    const thrown = yield* Effect.either(promiseWithLeafSpan("broker.throws", {}, () => { throw new Error("sync") }, () => "thrown"))
    return { ok, failed, thrown }
  }).pipe(Effect.withSpan("parent"), Effect.withTracer(tracer))
  const result = await Effect.runPromise(program)
  assert.is(result.ok, 7)
  assert.ok(result.failed._tag === "Left" && result.failed.left === "mapped: boom", JSON.stringify(result.failed))
  assert.equal(result.thrown._tag, "Left")
  const parent = ended.find((e) => e.span.name === "parent")!.span
  const byName = new Map(ended.map((e) => [e.span.name, e]))
  for (const name of ["broker.ok", "broker.bad", "broker.throws"]) {
    const leaf = byName.get(name)!
    assert.ok(leaf, name)
    assert.is(leaf.span.parent._tag === "Some" && leaf.span.parent.value.spanId, parent.spanId, name)
    assert.is(leaf.span.kind, "client")
  }
  assert.is(byName.get("broker.ok")!.span.attributes.get("db.system"), "redis")
  assert.ok(Exit.isSuccess(byName.get("broker.ok")!.exit))
  assert.ok(Exit.isFailure(byName.get("broker.bad")!.exit))
})

test("no leaf span where tracing is off for the fiber (the trace index's own writes)", async () => {
  const { ended, tracer } = recorder()
  await Effect.runPromise(promiseWithLeafSpan("broker.quiet", {}, () => Promise.resolve(1), (e) => e).pipe(Effect.withTracerEnabled(false), Effect.withTracer(tracer)))
  assert.equal(ended.map((e) => e.span.name), [])
})

test("interrupting an async leaf runs its cleanup and ends the span as interrupted", async () => {
  const { ended, tracer } = recorder()
  let cleaned = false
  await Effect.runPromise(Effect.gen(function*() {
    const fiber = yield* Effect.fork(asyncWithLeafSpan("broker.block", {}, () => () => {
      cleaned = true
    }))
    yield* Effect.sleep("20 millis")
    yield* Fiber.interrupt(fiber)
  }).pipe(Effect.withTracer(tracer)))
  assert.ok(cleaned, "cleanup ran")
  const leaf = ended.find((e) => e.span.name === "broker.block")
  assert.ok(leaf && Exit.isFailure(leaf.exit))
})

test.run()
