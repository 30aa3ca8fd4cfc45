/**
 * @module test/broker/redis — behaviour only the Redis broker has: failing fast
 * in an outage, abandoning interrupted blocking connections, the watchdog,
 * delivery counts from real XPENDING/XCLAIM. The shared semantics are pinned
 * by the contract suite (contract.redis.test.ts).
 */
import { Cause, Effect, Exit, Fiber, Layer, Option, Schedule } from "effect"
import { Redis } from "ioredis"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../src/broker/Broker.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { runScoped } from "../helpers/effect.ts"
import { slowProxy } from "../helpers/latency.ts"
import { sharedRedis, startRedis, uniqueName } from "../helpers/redis.ts"

const server = await sharedRedis()
const broker = layerRedis({ url: server.url })

/** Open connections named by the broker (CLIENT SETNAME), counted from the server's side. */
const brokerClients = async (url: string, name: string): Promise<number> => {
  const probe = new Redis(url, { lazyConnect: true })
  probe.on("error", () => {})
  await probe.connect()
  const list = await probe.client("LIST")
  probe.disconnect()
  return String(list).split("\n").filter((line) => line.includes(`name=${name}`)).length
}

const elapsed = async <A>(run: () => Promise<A>): Promise<[A, number]> => {
  const started = performance.now()
  const value = await run()
  return [value, performance.now() - started]
}

test("a broker layer for an address where nothing listens fails with StreamUnavailable naming the address", async () => {
  const down = await startRedis()
  await down.kill()
  const exit = await Effect.runPromiseExit(
    Effect.scoped(Layer.build(layerRedis({ url: down.url, connectTimeoutMs: 500 })))
  )
  assert.ok(Exit.isFailure(exit))
  const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  assert.ok(Option.isSome(failure))
  if (Option.isSome(failure)) {
    assert.is(failure.value._tag, "StreamUnavailable")
    assert.match(failure.value.message, `127.0.0.1:${down.port}`)
  }
})

test("an outage fails fast with StreamUnavailable instead of hanging", async () => {
  const own = await startRedis()
  const stream = uniqueName("outage")
  const [result, ms] = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      yield* b.append(stream, [{ n: "1" }])
      yield* Effect.promise(() => own.kill())
      const started = performance.now()
      const outcome = yield* Effect.either(b.append(stream, [{ n: "2" }]))
      return [outcome, performance.now() - started] as const
    }),
    layerRedis({ url: own.url })
  )
  assert.is(result._tag, "Left")
  if (result._tag === "Left") {
    assert.is(result.left._tag, "StreamUnavailable")
    assert.match(result.left.message, "append")
    assert.not.match(result.left.message, "    at ")
  }
  assert.ok(ms < 1000, `took ${ms} ms`)
})

test("the broker serves again after Redis comes back", async () => {
  const own = await startRedis()
  const list = uniqueName("back")
  const value = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      yield* Effect.promise(() => own.kill())
      const down = yield* Effect.either(b.push(list, ["a"]))
      assert.is(down._tag, "Left")
      yield* Effect.promise(() => own.restart())
      // The command connection reconnects in the background with a capped backoff.
      return yield* b.push(list, ["b"]).pipe(
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(60))))
      )
    }),
    layerRedis({ url: own.url })
  )
  await own.kill()
  assert.is(value, 1)
})

test("interrupting a blocking lease disconnects its connection and the next lease still works", async () => {
  const from = uniqueName("q")
  const to = uniqueName("processing")
  const name = "fluxgate-blocking"
  const before = await brokerClients(server.url, name)
  const leased = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const fiber = yield* Effect.fork(b.lease(from, to, 10_000))
      yield* Effect.sleep("200 millis")
      assert.is(yield* Effect.promise(() => brokerClients(server.url, name)), before + 1)
      const started = performance.now()
      yield* Fiber.interrupt(fiber)
      const ms = performance.now() - started
      assert.ok(ms < 500, `interrupting took ${ms} ms`)
      yield* Effect.sleep("100 millis")
      // The interrupted BLMOVE must not linger server-side and steal the next push.
      assert.is(yield* Effect.promise(() => brokerClients(server.url, name)), before)
      yield* b.push(from, ["task-1"])
      assert.equal(yield* b.listRange(from, 0, -1), ["task-1"])
      return yield* b.lease(from, to, 1000)
    }),
    broker
  )
  assert.is(leased, "task-1")
})

test("a blocking lease returns the value pushed while it waits", async () => {
  const from = uniqueName("q")
  const to = uniqueName("processing")
  const leased = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const fiber = yield* Effect.fork(b.lease(from, to, 5000))
      yield* Effect.sleep("100 millis")
      yield* b.push(from, ["late"])
      const value = yield* Fiber.join(fiber)
      return [value, yield* b.listRange(to, 0, -1)] as const
    }),
    broker
  )
  assert.equal(leased, ["late", ["late"]])
})

test("a blocking take that times out answers null after about its block time", async () => {
  const [value, ms] = await elapsed(() =>
    runScoped(Effect.flatMap(Broker, (b) => b.take(uniqueName("empty"), 300)), broker)
  )
  assert.is(value, null)
  assert.ok(ms >= 250 && ms < 1500, `took ${ms} ms`)
})

test("a blocking call that outlives its watchdog fails and drops the connection", async () => {
  const own = await startRedis()
  const list = uniqueName("stuck")
  const outcome = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      // Open the pooled connection first: a paused server would stall its handshake too.
      yield* b.take(list, 10)
      // A paused server accepts the BRPOP but never answers: only the watchdog can end it.
      const probe = new Redis(own.url)
      probe.on("error", () => {})
      yield* Effect.promise(() => probe.call("CLIENT", ["PAUSE", "3000", "ALL"]))
      probe.disconnect()
      const started = performance.now()
      const result = yield* Effect.either(b.take(list, 100))
      return [result, performance.now() - started] as const
    }),
    layerRedis({ url: own.url, watchdogMarginMs: 300 })
  )
  await own.kill()
  const [result, ms] = outcome
  assert.is(result._tag, "Left")
  if (result._tag === "Left") assert.match(result.left.message, "watchdog")
  assert.ok(ms >= 350 && ms < 1500, `took ${ms} ms`)
})

test("a blocking call that finds every blocking connection busy answers without blocking after its blockMs", async () => {
  const [held, ready] = [uniqueName("held"), uniqueName("ready")]
  const outcome = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const holder = yield* Effect.fork(b.take(held, 3000))
      yield* Effect.sleep("100 millis")
      yield* b.push(ready, ["waiting-item"])
      const started = performance.now()
      const value = yield* b.take(ready, 200)
      const ms = performance.now() - started
      yield* Fiber.interrupt(holder)
      return { value, ms }
    }),
    layerRedis({ url: server.url, blockingConnections: 1 })
  )
  assert.is(outcome.value, "waiting-item")
  assert.ok(outcome.ms >= 150 && outcome.ms < 1500, `took ${outcome.ms} ms, not the holder's 3000`)
})

test("claimIdle returns the delivery count", async () => {
  const stream = uniqueName("s")
  const claimed = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      yield* b.ensureGroup(stream, "g", "0")
      yield* b.append(stream, [{ n: "1" }, { n: "2" }])
      const read = yield* b.readGroup(stream, "g", "c1", { count: 10, blockMs: 0 })
      assert.is(read.length, 2)
      yield* b.ack(stream, "g", [read[1].id])
      yield* Effect.sleep("30 millis")
      const first = yield* b.claimIdle(stream, "g", "c2", { minIdleMs: 20, count: 10 })
      yield* Effect.sleep("30 millis")
      const second = yield* b.claimIdle(stream, "g", "c3", { minIdleMs: 20, count: 10 })
      const none = yield* b.claimIdle(stream, "g", "c3", { minIdleMs: 60_000, count: 10 })
      return { first, second, none, id: read[0].id }
    }),
    broker
  )
  assert.equal(claimed.first, [{ id: claimed.id, fields: { n: "1" }, deliveries: 2 }])
  assert.equal(claimed.second, [{ id: claimed.id, fields: { n: "1" }, deliveries: 3 }])
  assert.equal(claimed.none, [])
})

test("append and leaseMany each cost one round trip however many items they carry", async () => {
  const delayMs = 40
  const proxy = await slowProxy(server.port, delayMs)
  const stream = uniqueName("batch")
  const queue = uniqueName("q")
  const timings = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const time = <A, E>(op: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const started = performance.now()
          const value = yield* op
          return [value, performance.now() - started] as const
        })
      const entries = Array.from({ length: 200 }, (_, i) => ({ i: String(i) }))
      // Appends have a connection of their own, opened by the first one: not what is timed here.
      yield* b.append(stream, [{ warm: "up" }])
      const [ids, appendMs] = yield* time(b.append(stream, entries, { maxLen: 10_000 }))
      yield* b.push(queue, entries.map((e) => e.i))
      const [leased, leaseMs] = yield* time(b.leaseMany(queue, `${queue}:processing`, 50))
      return { ids, appendMs, leased, leaseMs }
    }),
    layerRedis({ url: proxy.url })
  )
  await proxy.close()
  assert.is(timings.ids.length, 200)
  assert.equal(timings.leased, Array.from({ length: 50 }, (_, i) => String(i)))
  // One round trip is one delay; two would already be 2 × delay.
  assert.ok(timings.appendMs < 2 * delayMs, `append took ${timings.appendMs} ms`)
  assert.ok(timings.leaseMs < 2 * delayMs, `leaseMany took ${timings.leaseMs} ms`)
})

test("diagnostics report redis, its version, standalone mode and a measured round trip", async () => {
  const d = await runScoped(Effect.flatMap(Broker, (b) => b.diagnostics), broker)
  assert.is(d.backend, "redis")
  assert.is(d.mode, "standalone")
  assert.match(d.version, /^\d+\.\d+/)
  assert.ok(d.roundTripMs > 0 && d.roundTripMs < 1000, `${d.roundTripMs} ms`)
})

test("closing the layer releases every connection it opened", async () => {
  const before = await brokerClients(server.url, "fluxgate-")
  await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      yield* Effect.all([b.take(uniqueName("a"), 50), b.take(uniqueName("b"), 50)], { concurrency: 2 })
      assert.ok((yield* Effect.promise(() => brokerClients(server.url, "fluxgate-"))) >= before + 3)
    }),
    broker
  )
  await new Promise((r) => setTimeout(r, 100))
  assert.is(await brokerClients(server.url, "fluxgate-"), before)
})

test.run()
