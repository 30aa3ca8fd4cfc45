/** @module test/broker/contract/lists — the reliable queue: push, lease to a processing list, complete, recover. */
import { Effect } from "effect"
import type { Test } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../../src/broker/Broker.ts"
import { sameSlot, uniqueName } from "../../helpers/redis.ts"
import type { RunWithBroker } from "../contract.ts"

/** Register the list tests on `test`. */
export const listContract = (test: Test, run: RunWithBroker): void => {
  test("leases serve a queue in push order and leaseMany moves up to n items", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const queue = uniqueName("queue")
      const processing = sameSlot(queue, "processing")
      assert.is(yield* broker.push(queue, ["1", "2", "3"]), 3)
      assert.is(yield* broker.push(queue, ["4"]), 4)
      assert.equal(yield* broker.listRange(queue, 0, -1), ["4", "3", "2", "1"], "LPUSH: newest at the head")
      assert.is(yield* broker.lease(queue, processing, 0), "1")
      assert.equal(yield* broker.leaseMany(queue, processing, 2), ["2", "3"])
      assert.equal(yield* broker.listRange(processing, 0, -1), ["3", "2", "1"])
      assert.equal(yield* broker.leaseMany(queue, processing, 10), ["4"])
      assert.equal(yield* broker.leaseMany(queue, processing, 10), [])
      assert.is(yield* broker.lease(queue, processing, 0), null)
      assert.is(yield* broker.listLength(queue), 0)
      assert.is(yield* broker.remove(processing, "2"), 1, "completing an item removes it")
      assert.is(yield* broker.remove(processing, "2"), 0)
      assert.equal(yield* broker.listRange(processing, 0, -1), ["4", "3", "1"])
      assert.equal(yield* broker.listRange(processing, 1, 1), ["3"])
      assert.equal(yield* broker.listRange(processing, -2, -1), ["3", "1"])
    })))

  test("remove takes out one copy of a value, nearest the head", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const list = uniqueName("list")
      yield* broker.push(list, ["x", "y", "x"])
      assert.is(yield* broker.remove(list, "x"), 1)
      assert.equal(yield* broker.listRange(list, 0, -1), ["y", "x"])
      assert.is(yield* broker.remove(uniqueName("missing"), "x"), 0)
    })))

  test("a leased item that is never completed can be requeued from the processing list (crash recovery)", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const queue = uniqueName("queue")
      const crashed = sameSlot(queue, "processing-crashed")
      const healthy = sameSlot(queue, "processing-healthy")
      yield* broker.push(queue, ["task-a", "task-b"])
      assert.is(yield* broker.lease(queue, crashed, 0), "task-a")
      // The worker dies here: task-a stays in its processing list, not lost.
      assert.equal(yield* broker.listRange(crashed, 0, -1), ["task-a"])
      const recovered = yield* broker.leaseMany(crashed, queue, 100)
      assert.equal(recovered, ["task-a"])
      assert.is(yield* broker.listLength(crashed), 0)
      const served = [yield* broker.lease(queue, healthy, 0), yield* broker.lease(queue, healthy, 0)]
      assert.equal([...served].sort(), ["task-a", "task-b"], "both tasks are delivered again")
      for (const value of served) if (value !== null) assert.is(yield* broker.remove(healthy, value), 1)
      assert.is(yield* broker.listLength(healthy), 0)
      assert.is(yield* broker.listLength(queue), 0)
    })))
}
