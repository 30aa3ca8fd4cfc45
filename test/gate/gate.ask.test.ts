/** @module test/gate/gate.ask — an `ask` task waits for a person: running until /io/write, then succeeded with the reply. */
import { Effect } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildApp } from "../../src/main.ts"
import { BACKENDS, configFor, post } from "./support.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface TaskView { status: string; result?: unknown; error?: string }

for (const backend of BACKENDS) {
  test(`[${backend}] an ask task stays running until /io/write (not flagged stuck while it waits), then succeeds with the reply as its result`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "fluxgate-ask-"))
    const taskQueue = `tasks-${Date.now()}-${backend}`
    const config = await configFor(backend, { roles: ["gate", "tasks", "worker"], outputPath: join(dir, "out.log"), taskQueue, workerQueues: [taskQueue], appLogLevel: "None", actorStuckMs: 200 })
    try {
      await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const { app } = yield* buildApp(config, "node")
        yield* Effect.promise(async () => {
          const created = await post(app, "/task", { type: "ask", payload: { prompt: "What is your name?" } })
          assert.is(created.status, 202)
          const { task_id } = await created.json() as { task_id: string }
          const status = async () => (await (await app.request(`/tasks/${task_id}/status`)).json()) as TaskView
          const deadline = Date.now() + 10_000
          while ((await status()).status !== "running" && Date.now() < deadline) await sleep(20)
          assert.is((await status()).status, "running", JSON.stringify(await status()))
          const readGate = async () => (await app.request("/io")).json() as Promise<{ state: string; prompt: string; waiter: string }>
          // "running" is recorded as the attempt begins; the handler starts its round a moment later.
          while ((await readGate()).state !== "awaiting" && Date.now() < deadline) await sleep(20)
          const gate = await readGate()
          assert.is(gate.state, "awaiting")
          assert.is(gate.prompt, "What is your name?")
          assert.is(gate.waiter, `task:${task_id}`)
          await sleep(300)
          assert.is((await status()).status, "running", "still waiting for the person")
          // Waiting for a person longer than ACTOR_STUCK_MS is not a stuck worker.
          const health = await app.request("/healthz")
          assert.is(health.status, 200, await health.clone().text())
          const actors = (await (await app.request("/debug/actors")).json()) as { actors: Array<{ name: string; fibers: Array<{ operation: string | null; waiting_on_person: boolean }> }> }
          const worker = actors.actors.find((a) => a.name === "worker")
          assert.ok(worker?.fibers.some((f) => f.operation === "task" && f.waiting_on_person), JSON.stringify(worker))
          assert.is((await post(app, "/io/write", { message: "Ada Lovelace" })).status, 200)
          while ((await status()).status === "running" && Date.now() < deadline + 5000) await sleep(20)
          const done = await status()
          assert.is(done.status, "succeeded")
          assert.is(done.result, "Ada Lovelace")
          assert.is((await post(app, "/task", { type: "ask", payload: { prompt: "" } })).status, 400)
        })
      })))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test.run()
