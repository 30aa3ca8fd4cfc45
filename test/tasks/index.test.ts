/**
 * @module test/tasks/index — the task index behind `GET /tasks`: a list of ids,
 * newest first, capped at TASK_INDEX_MAX, on the embedded broker and on Redis.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { enqueueTasks } from "../../actors/tasks/store.ts"
import { TASK_INDEX_MAX } from "../../actors/worker/task.ts"
import { BACKENDS, configFor, withTasks } from "./support.ts"

const test = suite("tasks index")

for (const backend of BACKENDS) {
  test(`the index keeps the newest TASK_INDEX_MAX ids newest first, GET /tasks lists from it, a delete leaves it (${backend})`, async () =>
    // No worker: every task stays queued, so the listing is deterministic.
    withTasks(await configFor(backend, { roles: ["tasks"] }), async ({ call, broker, keys, config }) => {
      const ctx = { broker, config, keys }
      const first = await Effect.runPromise(enqueueTasks(ctx, config.taskQueue, [{ type: "add", payload: { a: 0, b: 0 } }]))
      // Past the cap, in bulk calls and single POSTs: the oldest ids are trimmed away.
      const bulk: Array<string> = []
      for (let i = 0; i < TASK_INDEX_MAX; i += 1000) {
        bulk.push(...await Effect.runPromise(enqueueTasks(ctx, config.taskQueue, Array.from({ length: 1000 }, (_, j) => ({ type: "add", payload: { a: i, b: j } })))))
      }
      const single = (await call("POST", "/task", { type: "add", payload: { a: 1, b: 1 } })).body.task_id
      const index = await Effect.runPromise(broker.listRange(keys.taskIndex(), 0, -1))
      assert.is(index.length, TASK_INDEX_MAX, "capped")
      assert.is(index[0], single, "newest first")
      assert.ok(!index.includes(first[0]), "the oldest id was trimmed")
      assert.equal(index.slice(1, 4), [...bulk].reverse().slice(0, 3), "a bulk batch lands newest first, in order")

      const listed = (await call("GET", "/tasks?limit=3")).body.tasks.map((t: { task_id: string }) => t.task_id)
      assert.equal(listed, [single, bulk.at(-1), bulk.at(-2)])
      assert.is((await call("DELETE", `/tasks/${single}`)).status, 200)
      const after = await Effect.runPromise(broker.listRange(keys.taskIndex(), 0, 1))
      assert.equal(after, [bulk.at(-1), bulk.at(-2)], "the deleted id left the index")
      // The record of a trimmed id is still there: only the listing no longer reaches it.
      assert.is((await call("GET", `/tasks/${first[0]}/status`)).body.status, "queued")
    }))
}

test.run()
