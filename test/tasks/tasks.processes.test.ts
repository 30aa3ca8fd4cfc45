/**
 * @module test/tasks/tasks.processes — seed 001's three identities and the
 * worker fleet's guarantees across real processes on one redis-server: API A
 * accepts, worker B runs, API C answers; restarts keep state; a `kill -9`ed
 * worker's 50 in-flight tasks finish on another worker exactly once.
 */
import { Redis } from "ioredis"
import { mkdtempSync, readFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"
import { startServer, type ServerProcess } from "../helpers/server.ts"
import type { Json } from "./support.ts"

const HEARTBEAT_TTL_MS = 1000
const dir = mkdtempSync(join(tmpdir(), "fluxgate-procs-"))
const env: Record<string, string> = {
  KEY_PREFIX: uniqueName("p"),
  QUEUE_NAME: uniqueName("messages"),
  TASK_QUEUE: uniqueName("tasks"),
  WORKER_CONCURRENCY: "50",
  WORKER_HEARTBEAT_TTL_MS: String(HEARTBEAT_TTL_MS),
  TASK_MAX_ATTEMPTS: "3",
  TASK_BACKOFF_MS: "50",
  TASK_BACKOFF_MAX_MS: "200",
  OUTPUT_PATH: join(dir, "data", "processed.log"),
  APP_LOG_LEVEL: "Error"
}
const procs: Record<string, ServerProcess> = {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const start = (id: string, roles: string) => startServer({ ...env, ROLES: roles, INSTANCE_ID: id }).then((p) => (procs[id] = p))

const call = async (id: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
  const res = await fetch(`${procs[id].url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.status, body: await res.json() }
}

const waitUntil = async <A>(what: string, probe: () => Promise<A | undefined>, withinMs: number): Promise<A> => {
  const deadline = Date.now() + withinMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await sleep(50)
  }
  throw new Error(`${what}: not within ${withinMs} ms`)
}

const statusVia = (api: string, taskId: string, until: (v: Json) => boolean, withinMs = 8000) =>
  waitUntil(`task ${taskId} via ${api}`, async () => {
    const { body } = await call(api, "GET", `/tasks/${taskId}/status`)
    return until(body) ? body : undefined
  }, withinMs)

const taskQueue = async (api: string) =>
  ((await call(api, "GET", "/queues")).body.queues as Array<Json>).find((q) => q.queue === env.TASK_QUEUE)

test.before(async () => {
  env.REDIS_URL = (await sharedRedis()).url
  await Promise.all([start("A", "tasks"), start("C", "tasks"), start("B", "worker")])
})

test.after(async () => {
  await Promise.all(Object.values(procs).map((p) => p.stop("SIGKILL").catch(() => {})))
})

test("API A accepts, worker B runs, API C answers: initiated_by=A, handled_by=B, checked_by=C", async () => {
  const posted = await call("A", "POST", "/task", { a: 1, b: 2 })
  assert.is(posted.status, 202)
  assert.is(posted.body.initiated_by, "A")
  const done = await statusVia("C", posted.body.task_id, (v) => v.status === "succeeded")
  assert.is(done.result, 3)
  assert.is(done.initiated_by, "A")
  assert.is(done.handled_by, "B")
  assert.is(done.checked_by, "C")
  assert.is(done.attempts, 1)
  // TASK_TTL_S (7 days by default) from the enqueue: a success this soon keeps the record's first deadline.
  const lives = Date.parse(done.expires_at) - Date.parse(done.created_at)
  assert.ok(Math.abs(lives - 604_800_000) < 60_000, `expires_at ${done.expires_at}, created_at ${done.created_at}`)
  // Restart both APIs: the record lives in Redis, not in either process.
  assert.is(await procs.A.stop("SIGTERM"), 0)
  assert.is(await procs.C.stop("SIGTERM"), 0)
  await Promise.all([start("A", "tasks"), start("C", "tasks")])
  const again = await call("C", "GET", `/tasks/${posted.body.task_id}/status`)
  assert.is(again.status, 200)
  assert.equal(
    { status: again.body.status, result: again.body.result, initiated_by: again.body.initiated_by, handled_by: again.body.handled_by, checked_by: again.body.checked_by },
    { status: "succeeded", result: 3, initiated_by: "A", handled_by: "B", checked_by: "C" }
  )
})

test("across processes: fails twice then succeeds with attempts=3; always failing is dead after TASK_MAX_ATTEMPTS and retry revives it", async () => {
  const flaky = await call("A", "POST", "/task", { type: "sleep", payload: { ms: 1, fail_times: 2 } })
  const doomed = await call("A", "POST", "/task", { type: "sleep", payload: { ms: 1, always_fail: true } })
  const ok = await statusVia("C", flaky.body.task_id, (v) => v.status === "succeeded" || v.status === "failed")
  assert.is(ok.status, "succeeded")
  assert.is(ok.attempts, 3)
  const dead = await statusVia("C", doomed.body.task_id, (v) => v.status === "failed")
  assert.is(dead.attempts, 3)
  assert.is((await taskQueue("C")).dead, 1)
  const retried = await call("C", "POST", `/tasks/${doomed.body.task_id}/retry`)
  assert.is(retried.status, 202)
  const revived = await call("A", "GET", `/tasks/${doomed.body.task_id}/status`)
  assert.ok(["queued", "running", "retrying"].includes(revived.body.status) || revived.body.updated_at !== dead.updated_at)
  await statusVia("C", doomed.body.task_id, (v) => v.status === "failed" && v.updated_at !== dead.updated_at)
})

test("a raw `LPUSH <QUEUE_NAME> hello` from a plain Redis client ends as a line in OUTPUT_PATH", async () => {
  const client = new Redis(env.REDIS_URL, { lazyConnect: true })
  try {
    await client.connect()
    await client.lpush(env.QUEUE_NAME, "hello")
  } finally {
    client.disconnect()
  }
  const content = await waitUntil("line in OUTPUT_PATH", async () =>
    existsSync(env.OUTPUT_PATH) && readFileSync(env.OUTPUT_PATH, "utf8").includes("hello") ? readFileSync(env.OUTPUT_PATH, "utf8") : undefined, 5000)
  assert.is(content, "hello\n")
})

test("kill -9 of a worker holding 50 in-flight tasks: all 50 finish on another worker within 2×TTL + run time, none lost or run twice", async () => {
  const RUN_MS = 5000
  const deadBefore = (await taskQueue("C")).dead
  const posted = await Promise.all(Array.from({ length: 50 }, () => call("A", "POST", "/task", { type: "sleep", payload: { ms: RUN_MS } })))
  const ids = posted.map((p) => p.body.task_id as string)
  // Leased (in B's processing list) comes before marked running (startMany): wait for both, or a
  // slow B can be killed between the two with some tasks still reading `queued`.
  await waitUntil("B holds all 50", async () => {
    if ((await taskQueue("C")).running !== 50) return undefined
    const views = await Promise.all(ids.map((id) => call("C", "GET", `/tasks/${id}/status`)))
    return views.every((v) => v.body.status === "running" && v.body.handled_by === "B") ? true : undefined
  }, 20_000)
  await procs.B.stop("SIGKILL")
  const killedAt = Date.now()
  // B was still sleeping on every task when it died.
  const before = await Promise.all(ids.map((id) => call("C", "GET", `/tasks/${id}/status`)))
  assert.equal(before.filter((r) => r.body.status !== "running" || r.body.handled_by !== "B").map((r) => r.body), [])
  // The replacement's boot time is the machine's, not the protocol's: the bound starts once it serves.
  await start("B2", "worker")
  const bootMs = Date.now() - killedAt
  const bound = 2 * HEARTBEAT_TTL_MS + RUN_MS + 5000
  const finished = await waitUntil("all 50 succeeded", async () => {
    const views = await Promise.all(ids.map((id) => call("C", "GET", `/tasks/${id}/status`)))
    return views.every((v) => v.body.status === "succeeded") ? views.map((v) => v.body) : undefined
  }, bootMs + bound)
  const took = Date.now() - killedAt - bootMs
  assert.ok(took < bound, `took ${took} ms after B2 started`)
  assert.ok(finished.every((v) => v.handled_by === "B2" && v.attempts === 1), JSON.stringify(finished.find((v) => v.handled_by !== "B2" || v.attempts !== 1)))
  const q = await taskQueue("C")
  assert.equal({ ready: q.ready, running: q.running, delayed: q.delayed, dead: q.dead, workers: q.workers }, { ready: 0, running: 0, delayed: 0, dead: deadBefore, workers: 1 })
  // B2 ran each of them exactly once.
  const actors = (await call("B2", "GET", "/debug/actors")).body.actors as Array<Json>
  assert.is(actors.find((a) => a.name === "worker").handled, 50)
})

test.run()
