/**
 * @module test/tasks/bulk.failure — a bulk enqueue that fails leaves no record
 * saying `queued` and queues nothing; envelopes queued without their records
 * anyway (the LPUSH landed, its reply was lost) are dropped by workers, never run.
 * A push sent before its records exist (scripts missing after a SCRIPT FLUSH)
 * is refused and sent again: the enqueue still succeeds whole.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Either } from "effect"
import { Redis } from "ioredis"
import { enqueueTasks } from "../../actors/tasks/store.ts"
import { encodeEnvelope, newTaskId } from "../../actors/worker/task.ts"
import { pushBatch } from "../../actors/worker/scripts/index.ts"
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

test("a record slice fails (standalone Redis): the call fails, nothing is queued, and the records the other slices created are removed", async () => {
  const config = await configFor("redis", { roles: ["tasks"] })
  await withTasks(config, async ({ broker, keys }) => {
    // The index of the wrong type makes every createMany fail at its first LPUSH (after at most 200 records).
    await Effect.runPromise(broker.setValue(keys.taskIndex(), "not a list"))
    const result = await Effect.runPromise(Effect.either(enqueueTasks({ broker, config, keys }, config.taskQueue, batch(500))))
    assert.ok(Either.isLeft(result), "the enqueue fails")
    assert.is(await Effect.runPromise(broker.listLength(keys.queue(config.taskQueue))), 0, "the push found the batch incomplete and queued nothing")
    const redis = new Redis(config.redisUrl!)
    try {
      const [, left] = await redis.scan("0", "MATCH", keys.task("*"), "COUNT", 100_000)
      assert.equal(left, [], "the records each slice did create were removed")
      const [, counters] = await redis.scan("0", "MATCH", keys.taskBatch("*"), "COUNT", 100_000)
      assert.equal(counters, [], "and the batch counter")
    } finally {
      redis.disconnect()
    }
  })
})

/** After SCRIPT FLUSH, with `preload` loaded again: a bulk enqueue of 600 succeeds whole, nothing left behind. */
const afterFlush = (what: string, preload: ReadonlyArray<string>) =>
  test(`no script loaded but ${what}: every slice and the push retried in order, the batch queued whole (standalone Redis)`, async () => {
    const config = await configFor("redis", { roles: ["tasks"] })
    await withTasks(config, async ({ broker, keys }) => {
      const redis = new Redis(config.redisUrl!)
      try {
        await redis.script("FLUSH")
        for (const lua of preload) await redis.script("LOAD", lua)
        const ids = await Effect.runPromise(enqueueTasks({ broker, config, keys }, config.taskQueue, batch(600)))
        assert.is(ids.length, 600)
        assert.is(await redis.llen(keys.queue(config.taskQueue)), 600, "every envelope queued")
        const records = await Effect.runPromise(broker.hashGetMany(ids.map((id) => keys.task(id))))
        assert.is(records.filter((r) => r?.status === "queued").length, 600, "every record exists")
        const [, counters] = await redis.scan("0", "MATCH", keys.taskBatch("*"), "COUNT", 100_000)
        assert.equal(counters, [], "no batch counter left")
      } finally {
        redis.disconnect()
      }
    })
  })

afterFlush("the push's", [pushBatch.lua])
afterFlush("none", [])

test("envelopes queued without their records (an LPUSH that landed, its reply lost, the records removed) are dropped by a worker, never run", async () => {
  const config = await configFor("redis", { roles: ["tasks", "worker"] })
  await withTasks(config, async ({ broker, keys, call }) => {
    const orphans = Array.from({ length: 300 }, () => newTaskId())
    await Effect.runPromise(broker.push(keys.queue(config.taskQueue), orphans.map((id) => encodeEnvelope({ id, type: "add", payload: { a: 1, b: 2 }, created_at: Date.now() }))))
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
