/**
 * @module test/collector/groupCommit.batching — the collector's group commit:
 * concurrent requests share writes (one command per batch), a full mailbox
 * refuses whole requests with MailboxFull, and a request Redis rejects fails
 * alone while the others in its batch are written.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Either, Layer } from "effect"
import { Broker, type BrokerService } from "../../src/broker/Broker.ts"
import { makeMemoryBroker } from "../../src/broker/memory.ts"
import { StreamUnavailable } from "../../src/errors.ts"
import { makeGroupCommit } from "../../actors/collector/groupCommit.ts"

const test = suite("collector group commit")

/** The embedded broker, counting batch writes (appends); writes take `delayMs` and fail for any entry with source "boom". */
const instrumented = (delayMs: number) => {
  const inner = makeMemoryBroker()
  const calls: Array<number> = []
  const inFlight = { now: 0, max: 0 }
  const service: BrokerService = {
    ...inner,
    append: (stream, entries, options) =>
      Effect.sync(() => {
        inFlight.now++
        inFlight.max = Math.max(inFlight.max, inFlight.now)
      }).pipe(Effect.zipRight(Effect.sleep(delayMs)), Effect.ensuring(Effect.sync(() => inFlight.now--)), Effect.zipRight(Effect.suspend(() => {
        calls.push(entries.length)
        return entries.some((fields) => fields.source === "boom")
          ? Effect.fail(new StreamUnavailable({ message: "rejected: boom" }))
          : inner.append(stream, entries, options)
      })))
  }
  return { calls, inFlight, inner, layer: Layer.succeed(Broker, service) }
}

const writer = (commit: ReturnType<typeof makeGroupCommit>) =>
  Effect.forkScoped(Effect.forever(commit.waitForWork(1).pipe(Effect.zipRight(commit.writeBatch))))

const entry = (source: string, message: string) => ({ source, level: "INFO", message, ts: "1" })

test("200 concurrent requests are written in a few appends, each request getting its own ids in order", async () => {
  const { calls, inner, layer } = instrumented(2)
  const commit = makeGroupCommit({ stream: "s", maxLen: 10_000, batchMax: 256, capacity: 10_000 })
  const results = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    yield* writer(commit)
    return yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => commit.submit([entry("a", `m${i}`), entry("a", `n${i}`)]), { concurrency: "unbounded" })
  })).pipe(Effect.provide(layer)))
  assert.ok(calls.length < 20, `${calls.length} appends for 200 requests`)
  assert.ok(calls.every((n) => n <= 256), "no batch above INGEST_BATCH_MAX")
  const stored = await Effect.runPromise(inner.rangeAfter("s", null, 1000))
  assert.is(stored.length, 400)
  const byId = new Map(stored.map((e) => [e.id, e.fields.message]))
  results.forEach((ids, i) => assert.equal(ids.map((id) => byId.get(id)), [`m${i}`, `n${i}`]))
})

test("a full mailbox refuses whole requests with MailboxFull; admitted ones are all written", async () => {
  const { inner, layer } = instrumented(20)
  const commit = makeGroupCommit({ stream: "s", maxLen: 10_000, batchMax: 4, capacity: 10 })
  const outcomes = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    yield* writer(commit)
    return yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) => Effect.either(commit.submit([entry("a", `${i}.0`), entry("a", `${i}.1`), entry("a", `${i}.2`)])), { concurrency: "unbounded" })
  })).pipe(Effect.provide(layer)))
  const refused = outcomes.filter(Either.isLeft)
  const accepted = outcomes.filter(Either.isRight)
  assert.ok(refused.length >= 6, `${refused.length} refused`)
  assert.ok(refused.every((r) => r.left._tag === "MailboxFull"))
  const stored = await Effect.runPromise(inner.rangeAfter("s", null, 1000))
  assert.is(stored.length, accepted.length * 3, "admitted requests are written whole; refused ones not at all")
  assert.is(commit.depth(), 0)
})

test("a request the broker rejects fails alone; the other requests of its batch are written", async () => {
  const { inner, layer } = instrumented(5)
  const commit = makeGroupCommit({ stream: "s", maxLen: 10_000, batchMax: 256, capacity: 10_000 })
  const outcomes = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    yield* writer(commit)
    return yield* Effect.forEach(["ok1", "boom", "ok2", "ok3"], (source) => Effect.either(commit.submit([entry(source, "x")])), { concurrency: "unbounded" })
  })).pipe(Effect.provide(layer)))
  assert.equal(outcomes.map((o) => o._tag), ["Right", "Left", "Right", "Right"])
  const stored = await Effect.runPromise(inner.rangeAfter("s", null, 100))
  assert.equal(stored.map((e) => e.fields.source).sort(), ["ok1", "ok2", "ok3"])
})

test("a second writer adds a write in flight only when a full batch is queued behind the first", async () => {
  const twoWriters = (commit: ReturnType<typeof makeGroupCommit>) =>
    Effect.all([1, 4].map((min) => Effect.forkScoped(Effect.forever(commit.waitForWork(min).pipe(Effect.zipRight(commit.writeBatch))))))
  // Light traffic: one request at a time, so never more than one write in flight.
  const light = instrumented(5)
  const commitA = makeGroupCommit({ stream: "s", maxLen: 10_000, batchMax: 4, capacity: 10_000 })
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    yield* twoWriters(commitA)
    for (let i = 0; i < 10; i++) yield* commitA.submit([entry("a", `${i}`)])
  })).pipe(Effect.provide(light.layer)))
  assert.is(light.inFlight.max, 1)
  // A backlog of 40 requests: both writers write at once, and everything lands once.
  const heavy = instrumented(5)
  const commitB = makeGroupCommit({ stream: "s", maxLen: 10_000, batchMax: 4, capacity: 10_000 })
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    yield* twoWriters(commitB)
    yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) => commitB.submit([entry("a", `${i}`)]), { concurrency: "unbounded" })
  })).pipe(Effect.provide(heavy.layer)))
  assert.is(heavy.inFlight.max, 2)
  const stored = await Effect.runPromise(heavy.inner.rangeAfter("s", null, 100))
  assert.equal(stored.map((e) => e.fields.message).sort(), Array.from({ length: 40 }, (_, i) => `${i}`).sort())
})

test.run()
