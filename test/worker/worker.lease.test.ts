/** @module test/worker/worker.lease — how a lease ends decides the task's fate, on the embedded broker and on Redis. */
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { BACKENDS, configFor, withTasks } from "../tasks/support.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const backend of BACKENDS) {
  test(`[${backend}] a task that fails twice and then succeeds ends succeeded with attempts=3`, async () =>
    withTasks(await configFor(backend, { taskMaxAttempts: 5 }), async ({ call, waitFor }) => {
      const posted = await call("POST", "/task", { type: "sleep", payload: { ms: 1, fail_times: 2 } })
      assert.is(posted.status, 202)
      const done = await waitFor(posted.body.task_id, (v) => v.status === "succeeded" || v.status === "failed")
      assert.is(done.status, "succeeded")
      assert.is(done.attempts, 3)
      assert.is(done.handled_by, "T")
      assert.equal(done.result, { slept_ms: 1, attempt: 3 })
      assert.is(done.error, undefined)
      // The failed attempts' error ("planned failure …") is not the succeeded task's: a search for it does not list the task.
      const failing = await call("POST", "/task", { type: "sleep", payload: { ms: 1, always_fail: true } })
      await waitFor(failing.body.task_id, (v) => v.status === "failed")
      const found = (await call("GET", "/tasks?q=failure&limit=100")).body.tasks.map((t: { task_id: string }) => t.task_id)
      assert.equal(found, [failing.body.task_id])
    }))

  test(`[${backend}] a task that always fails is dead after TASK_MAX_ATTEMPTS, and retry brings it back for a fresh set`, async () =>
    withTasks(await configFor(backend, { taskMaxAttempts: 3 }), async ({ call, waitFor, config }) => {
      const posted = await call("POST", "/task", { type: "sleep", payload: { ms: 1, always_fail: true } })
      const dead = await waitFor(posted.body.task_id, (v) => v.status === "failed")
      assert.is(dead.attempts, 3)
      assert.match(dead.error, /failure requested \(attempt 3\)/)
      const queues = (await call("GET", "/queues")).body.queues
      const q = queues.find((x: { queue: string }) => x.queue === config.taskQueue)
      assert.is(q.dead, 1)
      assert.is(q.delayed, 0)
      assert.is(q.running, 0)
      const retried = await call("POST", `/tasks/${posted.body.task_id}/retry`)
      assert.is(retried.status, 202)
      assert.is(retried.body.status, "queued")
      const again = await waitFor(posted.body.task_id, (v) => v.status === "failed" && v.attempts === 3 && v.updated_at !== dead.updated_at)
      assert.is(again.status, "failed")
      // Taken off the dead list on retry and put back once: still exactly one entry.
      const after = (await call("GET", "/queues")).body.queues.find((x: { queue: string }) => x.queue === config.taskQueue)
      assert.is(after.dead, 1)
    }))

  test(`[${backend}] retrying a task that is not dead is a 409, and an unknown id is a 404`, async () =>
    withTasks(await configFor(backend), async ({ call, waitFor }) => {
      const posted = await call("POST", "/task", { a: 2, b: 3 })
      await waitFor(posted.body.task_id, (v) => v.status === "succeeded")
      assert.is((await call("POST", `/tasks/${posted.body.task_id}/retry`)).status, 409)
      assert.is((await call("POST", "/tasks/nope/retry")).status, 404)
      assert.is((await call("GET", "/tasks/nope/status")).status, 404)
    }))

  test(`[${backend}] a PermanentFailure goes to the dead list after one attempt`, async () =>
    withTasks(await configFor(backend, { taskMaxAttempts: 5 }), async ({ call, waitFor }) => {
      const posted = await call("POST", "/task", { type: "sleep", payload: { ms: 1, permanent: true } })
      const dead = await waitFor(posted.body.task_id, (v) => v.status === "failed")
      assert.is(dead.attempts, 1)
      assert.match(dead.error, /permanent/)
    }))

  test(`[${backend}] the same idempotency_key returns the same task id and runs it once`, async () =>
    withTasks(await configFor(backend), async ({ call, waitFor }) => {
      const body = { type: "add", payload: { a: 40, b: 2 }, idempotency_key: "order-17" }
      const [one, two] = await Promise.all([call("POST", "/task", body), call("POST", "/task", body)])
      assert.is(one.status, 202)
      assert.is(two.status, 202)
      assert.is(one.body.task_id, two.body.task_id)
      const done = await waitFor(one.body.task_id, (v) => v.status === "succeeded")
      assert.is(done.result, 42)
      assert.is(done.attempts, 1)
      const listed = (await call("GET", "/tasks?type=add")).body.tasks
      assert.is(listed.length, 1)
    }))

  test(`[${backend}] plain text pushed raw on QUEUE_NAME becomes a message task and a line in OUTPUT_PATH`, async () =>
    withTasks(await configFor(backend), async ({ call, broker, config, keys, waitFor }) => {
      await Effect.runPromise(broker.push(keys.queue(config.queueName), ["hello from a raw producer"]))
      const deadline = Date.now() + 10_000
      while (Date.now() < deadline && !(existsSync(config.outputPath) && readFileSync(config.outputPath, "utf8").includes("raw producer"))) await sleep(20)
      assert.is(readFileSync(config.outputPath, "utf8"), "hello from a raw producer\n")
      let listed = (await call("GET", "/tasks?type=message")).body.tasks
      assert.is(listed.length, 1)
      // The line is written before the success is recorded (group-committed): wait for the record.
      await waitFor(listed[0].task_id, (v) => v.status === "succeeded")
      listed = (await call("GET", "/tasks?type=message")).body.tasks
      assert.is(listed[0].status, "succeeded")
      assert.is(listed[0].initiated_by, `producer:${config.queueName}`)
    }))

  test(`[${backend}] raw JSON of an unknown type or a bad payload goes straight to dead with the decode error`, async () =>
    withTasks(await configFor(backend, { taskMaxAttempts: 5 }), async ({ call, broker, config, keys }) => {
      await Effect.runPromise(broker.push(keys.queue(config.taskQueue), [
        JSON.stringify({ type: "launch_rockets", payload: {} }),
        JSON.stringify({ type: "add", payload: { a: "x", b: 1 } })
      ]))
      const deadline = Date.now() + 10_000
      let failed: Array<{ error: string; attempts: number; type: string }> = []
      while (Date.now() < deadline && failed.length < 2) {
        failed = (await call("GET", "/tasks?status=failed")).body.tasks
        await sleep(20)
      }
      assert.is(failed.length, 2)
      const byType = Object.fromEntries(failed.map((t) => [t.type, t]))
      assert.match(byType.launch_rockets.error, /unknown task type "launch_rockets"/)
      assert.match(byType.add.error, /invalid add payload: a: Expected number/)
      assert.is(byType.add.attempts, 1)
      const q = (await call("GET", "/queues")).body.queues.find((x: { queue: string }) => x.queue === config.taskQueue)
      assert.is(q.dead, 2)
      assert.is((await call("GET", "/tasks?q=launch_rockets")).body.tasks.length, 1)
    }))

  test(`[${backend}] at DEAD_LETTER_MAX the dead list is not trimmed: the record stays failed with a note and /queues flags it`, async () =>
    withTasks(await configFor(backend, { deadLetterMax: 1 }), async ({ call, waitFor, config }) => {
      const first = await call("POST", "/task", { type: "sleep", payload: { ms: 0, permanent: true } })
      await waitFor(first.body.task_id, (v) => v.status === "failed")
      const second = await call("POST", "/task", { type: "sleep", payload: { ms: 0, permanent: true } })
      const over = await waitFor(second.body.task_id, (v) => v.status === "failed" && v.note !== undefined)
      assert.match(over.note, /DEAD_LETTER_MAX=1/)
      const q = (await call("GET", "/queues")).body.queues.find((x: { queue: string }) => x.queue === config.taskQueue)
      assert.is(q.dead, 1)
      assert.is(q.dead_cap_reached, true)
      // The first dead entry is still there: nothing was dropped to make room.
      const stillFirst = await call("GET", `/tasks/${first.body.task_id}/status`)
      assert.is(stillFirst.body.note, undefined)
      // The unlisted one can still be retried from its record.
      assert.is((await call("POST", `/tasks/${second.body.task_id}/retry`)).status, 202)
    }))

  test(`[${backend}] DELETE of a queued task also takes its item off the queue`, async () =>
    withTasks(await configFor(backend, { roles: ["tasks"] }), async ({ call, config }) => {
      const ready = async () => (await call("GET", "/queues")).body.queues.find((x: { queue: string }) => x.queue === config.taskQueue).ready
      const posted = await call("POST", "/task", { type: "sleep", payload: { ms: 1 } })
      await call("POST", "/task", { a: 1, b: 1 })
      assert.is(await ready(), 2)
      assert.is((await call("DELETE", `/tasks/${posted.body.task_id}`)).status, 200)
      assert.is(await ready(), 1)
    }))

  test(`[${backend}] DELETE refuses a running task with 409, deletes a finished one, then 404`, async () =>
    withTasks(await configFor(backend), async ({ call, waitFor }) => {
      const slow = await call("POST", "/task", { type: "sleep", payload: { ms: 400 } })
      await waitFor(slow.body.task_id, (v) => v.status === "running")
      assert.is((await call("DELETE", `/tasks/${slow.body.task_id}`)).status, 409)
      await waitFor(slow.body.task_id, (v) => v.status === "succeeded")
      const deleted = await call("DELETE", `/tasks/${slow.body.task_id}`)
      assert.is(deleted.status, 200)
      assert.is(deleted.body.deleted, true)
      assert.is((await call("GET", `/tasks/${slow.body.task_id}/status`)).status, 404)
      assert.is((await call("DELETE", `/tasks/${slow.body.task_id}`)).status, 404)
    }))
}

test("[redis] shutdown hands an in-flight task back to the queue without counting an attempt", async () => {
  const config = await configFor("redis", { roles: ["tasks", "worker"] })
  let id = ""
  await withTasks(config, async ({ call, waitFor }) => {
    id = (await call("POST", "/task", { type: "sleep", payload: { ms: 60_000 } })).body.task_id
    await waitFor(id, (v) => v.status === "running")
  })
  // Same Redis and prefix, API only: the task is queued again with no attempt spent.
  await withTasks({ ...config, roles: ["tasks"] }, async ({ call }) => {
    const view = (await call("GET", `/tasks/${id}/status`)).body
    assert.is(view.status, "queued")
    assert.is(view.attempts, 0)
    const q = (await call("GET", "/queues")).body.queues.find((x: { queue: string }) => x.queue === config.taskQueue)
    assert.is(q.ready, 1)
    assert.is(q.running, 0)
    assert.is(q.workers, 0)
  })
})

test.run()
