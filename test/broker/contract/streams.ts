/** @module test/broker/contract/streams — appends, consumer groups, acks, claims and replays. */
import { Effect } from "effect"
import type { Test } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../../src/broker/Broker.ts"
import { uniqueName } from "../../helpers/redis.ts"
import type { RunWithBroker } from "../contract.ts"
import { assertIncreasing, numbered } from "./support.ts"

/** Register the stream tests on `test`. */
export const streamContract = (test: Test, run: RunWithBroker): void => {
  test("appended entries get increasing <ms>-<seq> ids and streamInfo reports them", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      assert.equal(yield* broker.streamInfo(stream), { length: 0, firstId: null, lastId: null })
      assert.equal(yield* broker.append(stream, []), [])
      const ids = yield* broker.append(stream, numbered(200))
      assert.is(ids.length, 200)
      assertIncreasing(ids)
      const more = yield* broker.append(stream, numbered(1, 200))
      assertIncreasing([...ids, ...more])
      assert.equal(yield* broker.streamInfo(stream), { length: 201, firstId: ids[0], lastId: more[0] })
    })))

  test("an appended entry is read by exactly one group member", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks", "$")
      const ids = yield* broker.append(stream, numbered(5))
      const first = yield* broker.readGroup(stream, "sinks", "c1", { count: 2, blockMs: 0 })
      const second = yield* broker.readGroup(stream, "sinks", "c2", { count: 10, blockMs: 0 })
      const again = yield* broker.readGroup(stream, "sinks", "c1", { count: 10, blockMs: 0 })
      assert.equal(first.map((e) => e.id), ids.slice(0, 2))
      assert.equal(second.map((e) => e.id), ids.slice(2))
      assert.equal(second.map((e) => e.fields), numbered(3, 2))
      assert.equal(again, [])
      // Ensuring an existing group again is harmless and does not rewind it.
      yield* broker.ensureGroup(stream, "sinks", "0")
      assert.equal(yield* broker.readGroup(stream, "sinks", "c3", { count: 10, blockMs: 0 }), [])
    })))

  test("a group created at 0 replays the stream and one created at $ sees only new entries", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      const old = yield* broker.append(stream, numbered(3))
      yield* broker.ensureGroup(stream, "replay", "0")
      yield* broker.ensureGroup(stream, "live", "$")
      const fresh = yield* broker.append(stream, numbered(1, 3))
      const replayed = yield* broker.readGroup(stream, "replay", "c", { count: 10, blockMs: 0 })
      const live = yield* broker.readGroup(stream, "live", "c", { count: 10, blockMs: 0 })
      assert.equal(replayed.map((e) => e.id), [...old, ...fresh])
      assert.equal(live.map((e) => e.id), fresh)
    })))

  test("reading a group that does not exist fails with StreamUnavailable", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.append(stream, numbered(1))
      const error = yield* Effect.flip(broker.readGroup(stream, "missing", "c", { count: 1, blockMs: 0 }))
      assert.is(error._tag, "StreamUnavailable")
    })))

  test("an acked entry is no longer pending", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks")
      const [id] = yield* broker.append(stream, [{ kind: "log" }])
      const read = yield* broker.readGroup(stream, "sinks", "c1", { count: 1, blockMs: 0 })
      assert.equal(read, [{ id, fields: { kind: "log" } }])
      assert.is((yield* broker.groupInfo(stream, "sinks")).pending, 1)
      assert.is(yield* broker.ack(stream, "sinks", [id]), 1)
      assert.is(yield* broker.ack(stream, "sinks", [id]), 0)
      const info = yield* broker.groupInfo(stream, "sinks")
      assert.is(info.pending, 0)
      assert.is(info.oldestPendingIdleMs, null)
      assert.equal(yield* broker.claimIdle(stream, "sinks", "c2", { minIdleMs: 0, count: 10 }), [])
    })))

  test("an entry idle longer than minIdleMs is claimed by another consumer and its delivery count grows", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks")
      const [id] = yield* broker.append(stream, [{ kind: "poison" }])
      yield* broker.readGroup(stream, "sinks", "crashed", { count: 1, blockMs: 0 })
      assert.equal(yield* broker.claimIdle(stream, "sinks", "rescuer", { minIdleMs: 200, count: 10 }), [], "not idle long enough yet")
      yield* Effect.sleep("260 millis")
      const claimed = yield* broker.claimIdle(stream, "sinks", "rescuer", { minIdleMs: 200, count: 10 })
      assert.equal(claimed, [{ id, fields: { kind: "poison" }, deliveries: 2 }])
      assert.equal(yield* broker.claimIdle(stream, "sinks", "other", { minIdleMs: 200, count: 10 }), [], "claiming reset its idle time")
      yield* Effect.sleep("260 millis")
      const third = yield* broker.claimIdle(stream, "sinks", "other", { minIdleMs: 200, count: 10 })
      assert.equal(third.map((e) => e.deliveries), [3])
      const info = yield* broker.groupInfo(stream, "sinks")
      const pendingOf = (name: string) => info.consumers.find((c) => c.name === name)?.pending
      assert.is(info.pending, 1)
      assert.is(pendingOf("crashed"), 0)
      assert.is(pendingOf("rescuer"), 0)
      assert.is(pendingOf("other"), 1)
    })))

  test("groupInfo reports pending, lag, the last delivered id and each consumer", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      yield* broker.ensureGroup(stream, "sinks", "$")
      const ids = yield* broker.append(stream, numbered(3))
      yield* broker.readGroup(stream, "sinks", "c1", { count: 1, blockMs: 0 })
      const info = yield* broker.groupInfo(stream, "sinks")
      assert.is(info.pending, 1)
      assert.is(info.lag, 2)
      assert.is(info.lastDeliveredId, ids[0])
      assert.ok(info.oldestPendingIdleMs !== null && info.oldestPendingIdleMs >= 0 && info.oldestPendingIdleMs < 5000)
      assert.equal(info.consumers.map(({ name, pending }) => ({ name, pending })), [{ name: "c1", pending: 1 }])
      assert.ok(info.consumers[0].idleMs >= 0 && info.consumers[0].idleMs < 5000)
      const missing = yield* broker.groupInfo(stream, "nobody")
      assert.equal([missing.pending, missing.lag, missing.oldestPendingIdleMs, missing.consumers], [0, 0, null, []])
    })))

  test("rangeAfter replays exactly the entries after an id", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      const ids = yield* broker.append(stream, numbered(5))
      const after = yield* broker.rangeAfter(stream, ids[1], 10)
      assert.equal(after.map((e) => e.id), ids.slice(2))
      assert.equal(after.map((e) => e.fields), numbered(3, 2))
      assert.equal((yield* broker.rangeAfter(stream, null, 2)).map((e) => e.id), ids.slice(0, 2))
      assert.equal((yield* broker.rangeAfter(stream, ids[1], 1)).map((e) => e.id), [ids[2]])
      assert.equal(yield* broker.rangeAfter(stream, ids[4], 10), [])
      assert.equal(yield* broker.rangeAfter(uniqueName("missing"), null, 10), [])
    })))

  test("latest returns the newest entries oldest first", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      const ids = yield* broker.append(stream, numbered(5))
      assert.equal((yield* broker.latest(stream, 2)).map((e) => e.id), ids.slice(3))
      assert.equal((yield* broker.latest(stream, 10)).map((e) => e.fields), numbered(5))
      assert.equal(yield* broker.latest(uniqueName("missing"), 3), [])
    })))

  test("MAXLEN trimming keeps the stream near its cap", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const stream = uniqueName("stream")
      const ids = yield* broker.append(stream, numbered(600), { maxLen: 50 })
      assert.is(ids.length, 600)
      const info = yield* broker.streamInfo(stream)
      // `~` lets Redis keep up to a whole macro node (100 entries by default) beyond the cap.
      assert.ok(info.length >= 50 && info.length <= 200, `length ${info.length} is near 50`)
      assert.is(info.lastId, ids[599])
      assert.is(info.firstId, ids[600 - info.length], "the oldest entries were trimmed")
      const kept = yield* broker.rangeAfter(stream, null, 1000)
      assert.equal(kept.map((e) => e.id), ids.slice(600 - info.length))
    })))
}
