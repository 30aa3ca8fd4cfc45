/**
 * @module test/broker/memory.internals — embedded-broker behaviour the shared
 * contract can't reach: a controllable clock, parked-waiter leak checks, and
 * failure shapes.
 */
import { Effect, Fiber } from "effect"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { makeMemoryContext } from "../../src/broker/memory/context.ts"
import { listOps } from "../../src/broker/memory/listOps.ts"
import { streamOps } from "../../src/broker/memory/streamOps.ts"

const test = suite("embedded broker internals")

/** A broker over a clock the test moves by hand. */
const setup = () => {
  let now = 1_000
  const context = makeMemoryContext(() => now)
  return {
    ...streamOps(context),
    ...listOps(context),
    context,
    setNow: (ms: number) => (now = ms)
  }
}

test("ids stay increasing when the clock stands still or steps back", async () => {
  const broker = setup()
  const first = await Effect.runPromise(broker.append("s", [{ a: "1" }, { a: "2" }]))
  broker.setNow(500)
  const back = await Effect.runPromise(broker.append("s", [{ a: "3" }]))
  broker.setNow(2_000)
  const ahead = await Effect.runPromise(broker.append("s", [{ a: "4" }]))
  assert.equal([...first, ...back, ...ahead], ["1000-0", "1000-1", "1000-2", "2000-0"])
})

test("a TTL expires by the store's clock, and a plain set clears it", () => {
  const { context, setNow } = setup()
  const { store } = context
  store.set("k", "v", { pxMs: 100 })
  store.hset("h", { f: "1" })
  store.pexpire("h", 100)
  assert.is(store.pttl("k"), 100)
  setNow(1_100)
  assert.is(store.get("k"), null)
  assert.equal(store.hgetall("h"), {})
  store.set("k", "v", { pxMs: 100 })
  store.set("k", "w")
  setNow(5_000)
  assert.is(store.pttl("k"), -1)
  assert.is(store.get("k"), "w")
})

test("no waiter stays parked after reads time out, are served or are interrupted", async () => {
  const broker = setup()
  const { waiters } = broker.context
  await Effect.runPromise(Effect.gen(function* () {
    assert.is(yield* broker.take("q", 20), null)
    const served = yield* Effect.fork(broker.lease("q", "p", 5_000))
    const interrupted = yield* Effect.fork(broker.readAfter("s", "$", { count: 1, blockMs: 5_000 }))
    yield* Effect.sleep("20 millis")
    assert.is(waiters.size, 2)
    yield* broker.push("q", ["x"])
    assert.is(yield* Fiber.join(served), "x")
    yield* Fiber.interrupt(interrupted)
  }))
  assert.is(waiters.size, 0)
})

test("an item served to a lease at the moment it is interrupted goes back to the queue", async () => {
  const broker = setup()
  const { store, waiters } = broker.context
  await Effect.runPromise(Effect.gen(function* () {
    const leasing = yield* Effect.fork(broker.lease("q", "p", 5_000))
    yield* Effect.sleep("20 millis")
    const self = yield* Effect.fiberId
    // Interrupt, then push before the leasing fiber runs again: the push serves
    // a waiter whose fiber will never take the value.
    yield* Effect.sync(() => {
      leasing.unsafeInterruptAsFork(self)
      store.lpush("q", "x")
      waiters.flush()
    })
    const exit = yield* Fiber.await(leasing)
    assert.ok(exit._tag === "Failure", "the lease was interrupted")
  }))
  assert.equal(store.lrange("q", 0, -1), ["x"])
  assert.is(store.llen("p"), 0)
})

test("a long queue keeps its order while the ring buffer grows and wraps", () => {
  const { store } = setup().context
  const expected: Array<string> = []
  const got: Array<string> = []
  let next = 0
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 37; i++) {
      store.lpush("q", String(next))
      expected.push(String(next++))
    }
    for (let i = 0; i < 23; i++) got.push(store.rpop("q") ?? "missing")
  }
  assert.is(store.llen("q"), 50 * 14)
  assert.equal(store.lrange("q", -1, -1), [expected[got.length]])
  while (store.llen("q") > 0) got.push(store.rpop("q") ?? "missing")
  assert.equal(got, expected)
  assert.is(store.exists("q"), false, "an emptied list disappears")
})

test("a store failure such as WRONGTYPE becomes StreamUnavailable and loses nothing", async () => {
  const broker = setup()
  broker.context.store.set("not-a-list", "text")
  await Effect.runPromise(broker.push("q", ["keep"]))
  const error = await Effect.runPromise(Effect.flip(broker.lease("q", "not-a-list", 0)))
  assert.is(error._tag, "StreamUnavailable")
  assert.match(error.message, /^WRONGTYPE/)
  assert.equal(await Effect.runPromise(broker.listRange("q", 0, -1)), ["keep"])
})

test("claiming drops pending ids whose entries were trimmed away", async () => {
  const broker = setup()
  await Effect.runPromise(Effect.gen(function* () {
    yield* broker.ensureGroup("s", "g", "0")
    yield* broker.append("s", [{ n: "0" }, { n: "1" }])
    yield* broker.readGroup("s", "g", "c1", { count: 10, blockMs: 0 })
    yield* broker.append("s", [{ n: "2" }], { maxLen: 1 })
    const claimed = yield* broker.claimIdle("s", "g", "c2", { minIdleMs: 0, count: 10 })
    assert.equal(claimed, [])
    const info = yield* broker.groupInfo("s", "g")
    assert.is(info.pending, 0)
    assert.is(info.lag, 1)
  }))
})

test.run()
