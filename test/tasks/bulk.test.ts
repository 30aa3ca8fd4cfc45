/**
 * @module test/tasks/bulk — `POST /task` with a JSON array queues every task in
 * two broker commands (records in one `createMany` call, envelopes in one LPUSH)
 * and the worker runs each one, on the embedded broker and on Redis.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { BACKENDS, configFor, withTasks } from "./support.ts"

const test = suite("tasks bulk enqueue")

for (const backend of BACKENDS) {
  test(`a bulk POST /task queues 300 tasks with their own ids and records, and a worker runs all of them (${backend})`, async () =>
    withTasks(await configFor(backend, { instanceId: "A", workerConcurrency: 16 }), async ({ call, waitFor, broker, config }) => {
      const bodies = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { a: i, b: 1 } : { type: "add", payload: { a: i, b: 2 }, max_attempts: 2 }))
      const res = await call("POST", "/task", bodies)
      assert.is(res.status, 202, JSON.stringify(res.body))
      const ids: Array<string> = res.body.task_ids
      assert.is(ids.length, 300)
      assert.is(new Set(ids).size, 300, "every task has its own id")
      assert.equal({ status: res.body.status, initiated_by: res.body.initiated_by }, { status: "queued", initiated_by: "A" })
      // Every task runs once, with its own operands, and its record says who queued and who ran it.
      for (const i of [0, 1, 2, 150, 298, 299]) {
        const view = await waitFor(ids[i], (v) => v.status === "succeeded")
        assert.is(view.result, i % 3 === 0 ? i + 1 : i + 2, `task ${i}`)
        assert.is(view.initiated_by, "A")
        assert.is(view.max_attempts, i % 3 === 0 ? config.taskMaxAttempts : 2)
      }
      const deadline = Date.now() + 15_000
      let succeeded = 0
      while (Date.now() < deadline) {
        const statuses = await Promise.all(ids.map(async (id) => (await call("GET", `/tasks/${id}/status`)).body.status))
        succeeded = statuses.filter((s) => s === "succeeded").length
        if (succeeded === 300) break
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.is(succeeded, 300)
      assert.is(await Effect.runPromise(broker.listLength(config.taskQueue)), 0, "nothing left queued")
    }))

  test(`a task queued in bulk has the same record as one queued alone (${backend})`, async () =>
    withTasks(await configFor(backend, { instanceId: "A" }), async ({ call, waitFor, broker, keys }) => {
      const single = (await call("POST", "/task", { type: "add", payload: { a: 1, b: 2 }, max_attempts: 4 })).body.task_id
      const [bulk] = (await call("POST", "/task", [{ type: "add", payload: { a: 1, b: 2 }, max_attempts: 4 }])).body.task_ids
      await waitFor(single, (v) => v.status === "succeeded")
      await waitFor(bulk, (v) => v.status === "succeeded")
      const records = await Effect.runPromise(broker.hashGetMany([keys.task(single), keys.task(bulk)]))
      const comparable = (r: Record<string, string> | null) => {
        const { task_id: _id, created_at: _c, updated_at: _u, expires_at: _e, ...rest } = r ?? {}
        return rest
      }
      assert.equal(Object.keys(records[0] ?? {}).sort(), Object.keys(records[1] ?? {}).sort())
      assert.equal(comparable(records[1]), comparable(records[0]))
      assert.is(records[1]?.task_id, undefined, "the id is the key's, not a field")
      assert.is((await call("GET", `/tasks/${bulk}/status`)).body.task_id, bulk)
    }))

  test(`raw pure items pushed by a producer get records and run: good ones succeed with their results, bad payloads go dead naming the problem (${backend})`, async () =>
    withTasks(await configFor(backend, { instanceId: "W", workerConcurrency: 32, taskMaxAttempts: 1 }), async ({ call, broker, keys, config }) => {
      // Raw items, pushed before anything is listening so the worker leases them as one batch.
      const raws = Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({ type: "add", payload: i % 8 === 0 ? { a: i, b: "not a number" } : i % 8 === 1 ? { a: 1e308, b: 1e308 } : { a: i, b: 100 } }))
      await Effect.runPromise(broker.push(keys.queue(config.taskQueue), raws))
      const deadline = Date.now() + 15_000
      let tasks: Array<{ status: string; result?: unknown; error?: string; payload?: unknown }> = []
      while (Date.now() < deadline) {
        tasks = (await call("GET", "/tasks?limit=100")).body.tasks
        if (tasks.length === 40 && tasks.every((t) => t.status === "succeeded" || t.status === "failed")) break
        await new Promise((r) => setTimeout(r, 50))
      }
      const failed = tasks.filter((t) => t.status === "failed")
      const succeeded = tasks.filter((t) => t.status === "succeeded")
      assert.is(failed.length, 10, JSON.stringify(tasks.map((t) => t.status)))
      assert.is(succeeded.length, 30)
      // Every failure names its problem; the successes carry a + b.
      assert.ok(failed.every((t) => /invalid add payload/.test(String(t.error))), JSON.stringify(failed.map((t) => t.error)))
      assert.equal(succeeded.map((t) => t.result).sort(), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 8 > 1).map((i) => i + 100).sort())
      assert.is(await Effect.runPromise(broker.listLength(keys.dead(config.taskQueue))), 10)
    }))
}

test.run()
