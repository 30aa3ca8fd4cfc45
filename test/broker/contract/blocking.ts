/**
 * @module test/broker/contract/blocking — reads that wait: they wake at once on
 * a matching write, give up after `blockMs` (0 = never wait), hand one list
 * item to exactly one waiter, and let go when their fiber is interrupted.
 */
import { Effect, Fiber } from "effect"
import type { Test } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../../src/broker/Broker.ts"
import { sameSlot, uniqueName } from "../../helpers/redis.ts"
import type { RunWithBroker } from "../contract.ts"
import { assertInterrupted, clock, numbered } from "./support.ts"

/** Time for a forked blocking call to reach the broker (for Redis: to be sent and parked on the server). */
const settle = Effect.sleep("100 millis")

/** Register the blocking-read tests on `test`. */
export const blockingContract = (test: Test, run: RunWithBroker): void => {
  test("a blocking readAfter is woken by an append", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      const [old] = yield* broker.append(stream, numbered(1))
      const waiting = yield* Effect.fork(broker.readAfter(stream, "$", { count: 10, blockMs: 3000 }))
      yield* settle
      const appendedAt = yield* clock
      const [fresh] = yield* broker.append(stream, [{ live: "yes" }])
      const got = yield* Fiber.join(waiting)
      assert.ok((yield* clock) - appendedAt < 1000, "woken by the append, not by the timeout")
      assert.equal(got, [{ id: fresh, fields: { live: "yes" } }])
      assert.equal((yield* broker.readAfter(stream, old, { count: 10, blockMs: 0 })).map((e) => e.id), [fresh])
    })))

  test("readAfter with $ returns only entries added after the call started", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.append(stream, numbered(3))
      const started = yield* clock
      assert.equal(yield* broker.readAfter(stream, "$", { count: 10, blockMs: 0 }), [], "nothing new, no wait")
      assert.equal(yield* broker.readAfter(stream, "$", { count: 10, blockMs: 200 }), [], "nothing new within blockMs")
      const waited = (yield* clock) - started
      assert.ok(waited >= 150 && waited < 2000, `waited about blockMs (${waited} ms)`)
    })))

  test("a blocking readGroup is woken by an append and times out empty otherwise", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks")
      const waiting = yield* Effect.fork(broker.readGroup(stream, "sinks", "c1", { count: 10, blockMs: 3000 }))
      yield* settle
      const appendedAt = yield* clock
      const [id] = yield* broker.append(stream, [{ n: "1" }])
      assert.equal(yield* Fiber.join(waiting), [{ id, fields: { n: "1" } }])
      assert.ok((yield* clock) - appendedAt < 1000, "woken by the append")
      const started = yield* clock
      assert.equal(yield* broker.readGroup(stream, "sinks", "c1", { count: 10, blockMs: 200 }), [])
      assert.ok((yield* clock) - started >= 150, "waited about blockMs")
      assert.is((yield* broker.groupInfo(stream, "sinks")).pending, 1)
    })))

  test("a blocking lease is woken by a push and only one of two waiters gets the item", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const queue = uniqueName("queue")
      const [p1, p2] = [sameSlot(queue, "processing"), sameSlot(queue, "processing")]
      const timedLease = (to: string) =>
        broker.lease(queue, to, 800).pipe(Effect.flatMap((value) => Effect.map(clock, (at) => ({ value, at }))))
      const started = yield* clock
      const first = yield* Effect.fork(timedLease(p1))
      const second = yield* Effect.fork(timedLease(p2))
      yield* settle
      const pushedAt = yield* clock
      yield* broker.push(queue, ["only"])
      const results = [yield* Fiber.join(first), yield* Fiber.join(second)]
      const winners = results.filter((r) => r.value === "only")
      const losers = results.filter((r) => r.value === null)
      assert.is(winners.length, 1, "exactly one waiter got the item")
      assert.is(losers.length, 1, "the other timed out empty")
      assert.ok(winners[0].at - pushedAt < 500, "the winner woke on the push")
      assert.ok(losers[0].at - started >= 700, "the loser kept waiting until its blockMs")
      assert.is(yield* broker.listLength(queue), 0)
      assert.equal([...(yield* broker.listRange(p1, 0, -1)), ...(yield* broker.listRange(p2, 0, -1))], ["only"])
    })))

  test("take pops the oldest item, waits for a push, and returns null after blockMs", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const list = uniqueName("list")
      yield* broker.push(list, ["a", "b"])
      assert.is(yield* broker.take(list, 0), "a")
      assert.is(yield* broker.take(list, 0), "b")
      let started = yield* clock
      assert.is(yield* broker.take(list, 0), null)
      assert.ok((yield* clock) - started < 100, "blockMs 0 does not wait")
      started = yield* clock
      assert.is(yield* broker.take(list, 200), null)
      assert.ok((yield* clock) - started >= 150, "waited about blockMs")
      const waiting = yield* Effect.fork(broker.take(list, 3000))
      yield* settle
      yield* broker.push(list, ["c"])
      assert.is(yield* Fiber.join(waiting), "c")
      assert.is(yield* broker.listLength(list), 0)
    })))

  test("interrupting a blocking read releases it", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const queue = uniqueName("queue")
      const processing = sameSlot(queue, "processing")
      const lease = yield* Effect.fork(broker.lease(queue, processing, 10_000))
      yield* settle
      let started = yield* clock
      assertInterrupted(yield* Fiber.interrupt(lease))
      assert.ok((yield* clock) - started < 2000, "the interrupt returned promptly")
      yield* settle
      yield* broker.push(queue, ["after"])
      assert.equal(yield* broker.listRange(queue, 0, -1), ["after"], "the released lease took nothing")
      assert.is(yield* broker.listLength(processing), 0)

      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks")
      const read = yield* Effect.fork(broker.readGroup(stream, "sinks", "gone", { count: 10, blockMs: 10_000 }))
      yield* settle
      started = yield* clock
      assertInterrupted(yield* Fiber.interrupt(read))
      assert.ok((yield* clock) - started < 2000, "the interrupt returned promptly")
      yield* settle
      const [id] = yield* broker.append(stream, [{ n: "1" }])
      const got = yield* broker.readGroup(stream, "sinks", "present", { count: 10, blockMs: 0 })
      assert.equal(got.map((e) => e.id), [id], "the released read did not consume the entry")
      assert.is((yield* broker.groupInfo(stream, "sinks")).pending, 1)
    })))
}
