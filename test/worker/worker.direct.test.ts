/**
 * @module test/worker/worker.direct — pure tasks run straight from the lease
 * (no `running` write) and still settle exactly as any attempt: successes once,
 * with the attempt counted from the record; bad payloads dead naming the
 * problem; a duplicate delivery of a finished task not recorded again; a task
 * whose record is gone not recreated. On the embedded broker and on Redis.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { enqueueTasks } from "../../actors/tasks/store.ts"
import { encodeEnvelope } from "../../actors/worker/task.ts"
import { BACKENDS, configFor, withTasks, type Json } from "../tasks/support.ts"

const test = suite("worker direct (pure) tasks")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const backend of BACKENDS) {
  test(`a batch of queued pure tasks: good ones succeed once with attempts=1, bad payloads go dead at once naming the problem (${backend})`, async () =>
    withTasks(await configFor(backend, { instanceId: "W", workerConcurrency: 32, taskMaxAttempts: 5 }), async ({ call, broker, keys, config }) => {
      // Envelopes with records, as POST /task makes them, but with payloads the API would refuse.
      const requests = Array.from({ length: 40 }, (_, i) => ({
        type: "add",
        payload: i % 8 === 0 ? { a: i, b: "not a number" } : i % 8 === 1 ? { a: 1e308, b: 1 } : { a: i, b: 100 }
      }))
      const ids = await Effect.runPromise(enqueueTasks({ broker, config, keys }, config.taskQueue, requests))
      const views = new Map<string, Json>()
      const deadline = Date.now() + 15_000
      while (Date.now() < deadline && views.size < 40) {
        for (const id of ids) {
          if (views.has(id)) continue
          const view = (await call("GET", `/tasks/${id}/status`)).body
          if (view.status === "succeeded" || view.status === "failed") views.set(id, view)
        }
        await sleep(30)
      }
      assert.is(views.size, 40, "every task finished")
      ids.forEach((id, i) => {
        const view = views.get(id)
        if (i % 8 <= 1) {
          assert.is(view.status, "failed", `task ${i}`)
          assert.is(view.attempts, 1, `a bad payload is not retried (task ${i})`)
          assert.match(view.error, /invalid add payload/)
        } else {
          assert.is(view.status, "succeeded", `task ${i}`)
          assert.equal({ result: view.result, attempts: view.attempts, handled_by: view.handled_by }, { result: i + 100, attempts: 1, handled_by: "W" })
        }
      })
      assert.is(await Effect.runPromise(broker.listLength(keys.dead(config.taskQueue))), 10)
    }))

  test(`a finished pure task delivered again is not recorded again; one whose record is gone (or whose id is a lone surrogate) is not recreated (${backend})`, async () =>
    withTasks(await configFor(backend, { instanceId: "W" }), async ({ call, waitFor, broker, keys, config }) => {
      const posted = await call("POST", "/task", { a: 2, b: 3 })
      const done = await waitFor(posted.body.task_id, (v) => v.status === "succeeded")
      assert.is(done.attempts, 1)
      await sleep(5) // a second success would then carry a later updated_at
      const again = encodeEnvelope({ id: posted.body.task_id, type: "add", payload: { a: 40, b: 2 }, created_at: Date.now() })
      const orphan = encodeEnvelope({ id: "no-such-record", type: "add", payload: { a: 1, b: 1 }, created_at: Date.now() })
      // A producer's envelope whose id is a lone surrogate: it must not fail the batch's JSON script arguments.
      const lone = '{"id":"\\ud800","type":"add","payload":{"a":1,"b":1},"created_at":1}'
      const fresh = (await call("POST", "/task", { a: 20, b: 1 })).body.task_id
      await Effect.runPromise(broker.push(keys.queue(config.taskQueue), [again, orphan, lone]))
      const deadline = Date.now() + 10_000
      const drained = async () => {
        const queued = await Effect.runPromise(broker.listLength(keys.queue(config.taskQueue)))
        const queues = (await call("GET", "/queues")).body.queues
        return queued === 0 && queues.find((q: Json) => q.queue === config.taskQueue)?.running === 0
      }
      while (Date.now() < deadline && !(await drained())) await sleep(20)
      assert.ok(await drained(), "both items were taken and acked")
      await sleep(100)
      const after = (await call("GET", `/tasks/${posted.body.task_id}/status`)).body
      assert.equal({ status: after.status, attempts: after.attempts, result: after.result, updated_at: after.updated_at }, {
        status: "succeeded",
        attempts: 1,
        result: 5,
        updated_at: done.updated_at
      })
      assert.is((await call("GET", "/tasks/no-such-record/status")).status, 404)
      assert.is((await waitFor(fresh, (v) => v.status === "succeeded")).result, 21)
    }))
}

test.run()
