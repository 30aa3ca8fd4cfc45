/**
 * @module test/tasks/bulk.failure — a bulk enqueue that fails leaves no record
 * saying `queued`; envelopes queued without their records (a record slice
 * failed after the LPUSH was sent) are dropped by workers, never run.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Either } from "effect"
import { enqueueTasks } from "../../actors/tasks/store.ts"
import { BACKENDS, configFor, withTasks } from "./support.ts"

const test = suite("tasks bulk enqueue failures")

const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "add", payload: { a: i, b: 1 } }))

for (const backend of BACKENDS) {
  test(`the LPUSH fails (queue key of the wrong type): the call fails and none of the batch's records remain (${backend})`, async () =>
    withTasks(await configFor(backend, { roles: ["tasks"] }), async ({ broker, keys, config }) => {
      await Effect.runPromise(broker.setValue(keys.queue(config.taskQueue), "not a list"))
      const result = await Effect.runPromise(Effect.either(enqueueTasks({ broker, config, keys }, config.taskQueue, batch(600))))
      assert.ok(Either.isLeft(result), "the enqueue fails")
      // The records were created first (600 → createMany slices of 50, 250, 250 and 50), then removed again.
      const ids = await Effect.runPromise(broker.listRange(keys.taskIndex(), 0, -1))
      assert.is(ids.length, 600, "the index saw the batch")
      const records = await Effect.runPromise(broker.hashGetMany(ids.map((id) => keys.task(id))))
      assert.is(records.filter((r) => r !== null).length, 0, "no record of the failed batch remains")
      assert.is(await Effect.runPromise(broker.getValue(keys.queue(config.taskQueue))), "not a list")
    }))
}

test("a record slice fails after the LPUSH went out (standalone Redis): the call fails, and a worker drops the orphaned envelopes without running them", async () => {
  const config = await configFor("redis", { roles: ["tasks"] })
  const orphans = await withTasks(config, async ({ broker, keys }) => {
    // The index of the wrong type makes every createMany fail at its first LPUSH (after at most 200 records).
    await Effect.runPromise(broker.setValue(keys.taskIndex(), "not a list"))
    const result = await Effect.runPromise(Effect.either(enqueueTasks({ broker, config, keys }, config.taskQueue, batch(500))))
    assert.ok(Either.isLeft(result), "the enqueue fails")
    const queued = await Effect.runPromise(broker.listRange(keys.queue(config.taskQueue), 0, -1))
    assert.is(queued.length, 500, "on one connection the LPUSH followed the slices and ran")
    const ids = queued.map((raw) => JSON.parse(raw).id as string)
    const records = await Effect.runPromise(broker.hashGetMany(ids.map((id) => keys.task(id))))
    assert.is(records.filter((r) => r !== null).length, 0, "the records the failed slices did create were removed")
    return ids
  })
  // A worker on the same keys: every orphan is leased and dropped, none gets a record.
  await withTasks({ ...config, roles: ["tasks", "worker"] }, async ({ broker, keys, call }) => {
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && (await Effect.runPromise(broker.listLength(keys.queue(config.taskQueue)))) > 0) {
      await new Promise((r) => setTimeout(r, 20))
    }
    assert.is(await Effect.runPromise(broker.listLength(keys.queue(config.taskQueue))), 0, "the worker took every orphan")
    await new Promise((r) => setTimeout(r, 200))
    const records = await Effect.runPromise(broker.hashGetMany(orphans.map((id) => keys.task(id))))
    assert.is(records.filter((r) => r !== null).length, 0, "no orphan was recreated")
    assert.is((await call("GET", `/tasks/${orphans[0]}/status`)).status, 404)
  })
})

test.run()
