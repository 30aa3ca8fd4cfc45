/** @module test/broker/contract/keys — plain values, hashes, sorted sets, TTLs and diagnostics. */
import { Effect } from "effect"
import type { Test } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../../src/broker/Broker.ts"
import { uniqueName } from "../../helpers/redis.ts"
import type { RunWithBroker } from "../contract.ts"

/** Register the key, hash and sorted-set tests on `test`. */
export const keyContract = (test: Test, run: RunWithBroker): void => {
  test("a value with a TTL is gone after it expires", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const [value, hash, lasting] = [uniqueName("value"), uniqueName("hash"), uniqueName("value")]
      assert.is(yield* broker.setValue(value, "soon gone", { ttlMs: 150 }), true)
      yield* broker.hashSet(hash, { state: "running" }, 150)
      yield* broker.setValue(lasting, "stays")
      assert.is(yield* broker.getValue(value), "soon gone")
      assert.equal(yield* broker.hashGet(hash), { state: "running" })
      yield* Effect.sleep("300 millis")
      assert.is(yield* broker.getValue(value), null)
      assert.is(yield* broker.hashGet(hash), null)
      assert.is(yield* broker.getValue(lasting), "stays")
      assert.is(yield* broker.setValue(value, "again", { onlyIfAbsent: true }), true, "an expired key is absent")
    })))

  test("setValue with onlyIfAbsent sets a key only once", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const key = uniqueName("value")
      assert.is(yield* broker.setValue(key, "first", { onlyIfAbsent: true }), true)
      assert.is(yield* broker.setValue(key, "second", { onlyIfAbsent: true }), false)
      assert.is(yield* broker.getValue(key), "first")
      assert.is(yield* broker.setValue(key, "third"), true)
      assert.is(yield* broker.getValue(key), "third")
      assert.is(yield* broker.getValue(uniqueName("missing")), null)
    })))

  test("hashes merge fields, read in bulk and delete", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const [one, two, missing] = [uniqueName("hash"), uniqueName("hash"), uniqueName("hash")]
      yield* broker.hashSet(one, { a: "1", b: "2" })
      yield* broker.hashSet(one, { b: "3" })
      yield* broker.hashSet(two, { c: "4" })
      assert.equal(yield* broker.hashGet(one), { a: "1", b: "3" })
      assert.equal(yield* broker.hashGetMany([one, missing, two]), [{ a: "1", b: "3" }, null, { c: "4" }])
      assert.equal(yield* broker.hashGetMany([]), [])
      assert.is(yield* broker.delete([one, missing]), 1)
      assert.is(yield* broker.hashGet(one), null)
    })))

  test("sorted sets page members by descending score", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const key = uniqueName("zset")
      yield* broker.sortedAdd(key, 1, "a")
      yield* broker.sortedAdd(key, 3, "c")
      yield* broker.sortedAdd(key, 2, "b")
      yield* broker.sortedAdd(key, 3, "d")
      yield* broker.sortedAdd(key, 0, "b")
      assert.is(yield* broker.sortedCount(key), 4)
      // Equal scores come in descending member order, as ZREVRANGE gives them.
      assert.equal(yield* broker.sortedRangeDesc(key, 0, 2), ["d", "c"])
      assert.equal(yield* broker.sortedRangeDesc(key, 2, 10), ["a", "b"])
      assert.equal(yield* broker.sortedRangeDesc(key, 10, 10), [])
      assert.is(yield* broker.sortedRemove(key, ["a", "nope"]), 1)
      assert.is(yield* broker.sortedCount(key), 3)
      assert.is(yield* broker.sortedCount(uniqueName("missing")), 0)
    })))

  test("diagnostics report the backend, its mode and a round-trip time", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const diagnostics = yield* broker.diagnostics
      assert.is(diagnostics.backend, broker.backend)
      assert.ok(diagnostics.backend === "embedded" ? diagnostics.mode === "embedded" : diagnostics.mode !== "embedded")
      assert.type(diagnostics.version, "string")
      assert.ok(diagnostics.version.length > 0)
      assert.ok(Number.isFinite(diagnostics.roundTripMs) && diagnostics.roundTripMs >= 0 && diagnostics.roundTripMs < 5000)
    })))
}
