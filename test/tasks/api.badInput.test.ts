/** @module test/tasks/api.badInput — every task endpoint turns bad input into a specific 4xx that names the field. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { configFor, withTasks } from "./support.ts"

interface Case {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly status: number
  /** A field path that must appear in the error's issues (400s). */
  readonly names?: string
}

const big = "x".repeat(70_000)

const cases: ReadonlyArray<Case> = [
  { name: "missing b", method: "GET", path: "/add?a=1", status: 400, names: "b" },
  { name: "missing both", method: "GET", path: "/add", status: 400, names: "a" },
  { name: "non-numeric a", method: "GET", path: "/add?a=abc&b=1", status: 400, names: "a" },
  { name: "NaN", method: "GET", path: "/add?a=NaN&b=1", status: 400, names: "a" },
  { name: "Infinity", method: "GET", path: "/add?a=1&b=Infinity", status: 400, names: "b" },
  { name: "huge number", method: "GET", path: "/add?a=1e300&b=1", status: 400, names: "a" },
  { name: "hex", method: "GET", path: "/add?a=0x10&b=1", status: 400, names: "a" },
  { name: "empty a", method: "GET", path: "/add?a=&b=1", status: 400, names: "a" },
  { name: "task: not JSON", method: "POST", path: "/task", body: "{a:1", status: 400 },
  { name: "task: array of non-objects", method: "POST", path: "/task", body: [1, 2], status: 400, names: "[0]" },
  { name: "bulk: empty array", method: "POST", path: "/task", body: [], status: 400, names: "(root)" },
  { name: "bulk: over 1000 tasks", method: "POST", path: "/task", body: Array.from({ length: 1001 }, () => ({ a: 1, b: 1 })), status: 400, names: "(root)" },
  { name: "bulk: b missing in item 1", method: "POST", path: "/task", body: [{ a: 1, b: 1 }, { a: 1 }], status: 400, names: "[1].b" },
  { name: "bulk: bad payload in item 2", method: "POST", path: "/task", body: [{ a: 1, b: 1 }, { a: 2, b: 2 }, { type: "add", payload: { a: 1, b: "x" } }], status: 400, names: "[2].payload.b" },
  { name: "bulk: unknown type", method: "POST", path: "/task", body: [{ type: "nope" }], status: 400, names: "[0].type" },
  { name: "bulk: idempotency_key", method: "POST", path: "/task", body: [{ a: 1, b: 1 }, { type: "add", payload: { a: 1, b: 1 }, idempotency_key: "k" }], status: 400, names: "[1].idempotency_key" },
  { name: "task: a as string", method: "POST", path: "/task", body: { a: "1", b: 2 }, status: 400, names: "a" },
  { name: "task: b missing", method: "POST", path: "/task", body: { a: 1 }, status: 400, names: "b" },
  { name: "task: huge a", method: "POST", path: "/task", body: { a: 1e300, b: 1 }, status: 400, names: "a" },
  { name: "task: unknown type", method: "POST", path: "/task", body: { type: "launch_rockets", payload: {} }, status: 400, names: "type" },
  { name: "task: type not a string", method: "POST", path: "/task", body: { type: 7 }, status: 400, names: "type" },
  { name: "task: bad add payload", method: "POST", path: "/task", body: { type: "add", payload: { a: 1, b: "two" } }, status: 400, names: "payload.b" },
  { name: "task: bad sleep payload", method: "POST", path: "/task", body: { type: "sleep", payload: { ms: -1 } }, status: 400, names: "payload.ms" },
  { name: "task: max_attempts 0", method: "POST", path: "/task", body: { type: "add", payload: { a: 1, b: 1 }, max_attempts: 0 }, status: 400, names: "max_attempts" },
  { name: "task: max_attempts fraction", method: "POST", path: "/task", body: { type: "add", payload: { a: 1, b: 1 }, max_attempts: 1.5 }, status: 400, names: "max_attempts" },
  { name: "task: empty idempotency_key", method: "POST", path: "/task", body: { type: "add", payload: { a: 1, b: 1 }, idempotency_key: "" }, status: 400, names: "idempotency_key" },
  { name: "task: oversized payload", method: "POST", path: "/task", body: { type: "message", payload: { message: big } }, status: 413 },
  { name: "enqueue: empty text", method: "POST", path: "/enqueue", body: "   ", status: 400, names: "message" },
  { name: "enqueue: empty JSON message", method: "POST", path: "/enqueue", body: { message: "" }, status: 400, names: "message" },
  { name: "enqueue: message not a string", method: "POST", path: "/enqueue", body: { message: 5 }, status: 400, names: "message" },
  { name: "enqueue: oversized message", method: "POST", path: "/enqueue", body: big, status: 413 },
  { name: "list: unknown status", method: "GET", path: "/tasks?status=exploded", status: 400, names: "status" },
  { name: "list: limit 0", method: "GET", path: "/tasks?limit=0", status: 400, names: "limit" },
  { name: "list: limit not a number", method: "GET", path: "/tasks?limit=ten", status: 400, names: "limit" },
  { name: "status: unknown id", method: "GET", path: "/tasks/no-such-task/status", status: 404 },
  { name: "status: id too long", method: "GET", path: `/tasks/${"x".repeat(200)}/status`, status: 400, names: "id" },
  { name: "retry: unknown id", method: "POST", path: "/tasks/no-such-task/retry", status: 404 },
  { name: "delete: unknown id", method: "DELETE", path: "/tasks/no-such-task", status: 404 }
]

test("every bad input to the task endpoints gets its specific 4xx naming the field", async () =>
  withTasks(await configFor("embedded", { roles: ["tasks"] }), async ({ call }) => {
    const failures: Array<string> = []
    for (const c of cases) {
      const res = await call(c.method, c.path, c.body)
      const issues: Array<{ path: string }> = res.body?.error?.details?.issues ?? []
      if (res.status !== c.status) failures.push(`${c.name}: status ${res.status}, expected ${c.status} (${JSON.stringify(res.body)})`)
      else if (c.names !== undefined && !issues.some((i) => i.path === c.names)) {
        failures.push(`${c.name}: issues ${JSON.stringify(issues)} do not name ${c.names}`)
      }
    }
    assert.equal(failures, [])
    // Nothing bad was queued.
    assert.equal((await call("GET", "/tasks")).body.tasks, [])
  }))

test("good input to the same endpoints is accepted, so the table above is not failing for another reason", async () =>
  withTasks(await configFor("embedded", { roles: ["tasks"], instanceId: "A" }), async ({ call }) => {
    const add = await call("GET", "/add?a=1.5&b=-2e3")
    assert.equal(add, { status: 200, body: { a: 1.5, b: -2000, result: -1998.5, handled_by: "A" } })
    const task = await call("POST", "/task", { a: 1, b: 2 })
    assert.is(task.status, 202)
    assert.equal({ ...task.body, task_id: typeof task.body.task_id }, { task_id: "string", status: "queued", initiated_by: "A" })
    const text = await call("POST", "/enqueue", "hello from curl")
    assert.is(text.status, 200)
    assert.is(text.body.enqueued, true)
    const json = await call("POST", "/enqueue", { message: "hello json" })
    assert.is(json.status, 200)
    const status = await call("GET", `/tasks/${task.body.task_id}/status`)
    assert.is(status.body.status, "queued")
    assert.is(status.body.checked_by, "A")
    assert.is(status.body.initiated_by, "A")
    assert.is((await call("GET", "/tasks?status=queued&limit=10")).body.tasks.length, 3)
  }))

test.run()
