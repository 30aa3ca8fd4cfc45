/**
 * @module test/telemetry/tracing.tasks — `POST /task` → worker → result is one
 * trace (the worker's attempt span is a child of the request span, through the
 * traceparent stored with the task), and the task counters and duration
 * histogram move in /metrics.
 */
import { Effect } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { makeConfig } from "../../src/config.ts"
import { uniqueName } from "../helpers/redis.ts"
import { buildWith, getJson, request } from "./support.ts"

const CLIENT_SPAN = "40f067aa0ba902b7"

const metricValue = (text: string, name: string, labels: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((p) => l.includes(p)))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1))
}

test("a task's worker attempt continues the trace of the POST /task that queued it, and task metrics move", async () => {
  const queue = uniqueName("tasks")
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(makeConfig({ roles: ["tasks", "worker"], instanceId: "tasks-trace", taskQueue: queue, workerQueues: [queue] }))
    const before = yield* Effect.promise(() => Promise.resolve(app.request("/metrics")).then((r) => r.text()))
    const traceId = "9bf92f3577b34da6a3ce929d0e0e4736"
    const res = yield* request(app, "/task", {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${CLIENT_SPAN}-01` },
      body: JSON.stringify({ a: 2, b: 3 })
    })
    assert.is(res.status, 202)
    const { task_id } = (yield* Effect.promise(() => res.json())) as { task_id: string }
    let status = ""
    for (let i = 0; i < 100 && status !== "succeeded"; i++) {
      status = (yield* getJson<{ status: string }>(app, `/tasks/${task_id}/status`)).body.status
      if (status !== "succeeded") yield* Effect.sleep(20)
    }
    assert.is(status, "succeeded")
    type Trace = { spans: Array<{ name: string; span_id: string; parent_span_id: string | null; attributes: Record<string, unknown> }> }
    let trace: Trace | undefined
    for (let i = 0; i < 50 && !trace?.spans.some((s) => s.name === "worker.attempt"); i++) {
      const r = yield* getJson<Trace>(app, `/debug/traces/${traceId}`)
      trace = r.status === 200 ? r.body : undefined
      yield* Effect.sleep(20)
    }
    const http = trace?.spans.find((s) => s.name === "http POST /task")
    const attempt = trace?.spans.find((s) => s.name === "worker.attempt")
    assert.ok(http && attempt, JSON.stringify(trace?.spans.map((s) => s.name)))
    assert.is(http.parent_span_id, CLIENT_SPAN)
    assert.is(attempt.parent_span_id, http.span_id)
    assert.is(attempt.attributes.task_id, task_id)
    assert.is(attempt.attributes.attempt, 1)
    const after = yield* Effect.promise(() => Promise.resolve(app.request("/metrics")).then((r) => r.text()))
    const q = `queue="${queue}"`
    assert.is(metricValue(after, "fluxgate_tasks_total", `${q},status="succeeded"`) - metricValue(before, "fluxgate_tasks_total", `${q},status="succeeded"`), 1)
    assert.is(metricValue(after, "fluxgate_task_duration_seconds_count", `${q},outcome="succeeded"`), 1)
    assert.ok(metricValue(after, "fluxgate_queue_depth", `queue="${queue}",state="ready"`) === 0)
  })))
})

test.run()
