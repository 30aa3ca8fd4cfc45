/** @module test/gate/gate.logs — seed 000: GET /logs says "waiting" (with the prompt) while the default gate awaits, "ok" otherwise. */
import { Effect } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { buildApp } from "../../src/main.ts"
import { BACKENDS, configFor, post } from "./support.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const backend of BACKENDS) {
  test(`[${backend}] GET /logs and /api/logs answer "waiting" with the gate's prompt while it awaits, then "ok"`, async () => {
    const config = await configFor(backend, { roles: ["gate", "distributor"] })
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { app } = yield* buildApp(config, "node")
      yield* Effect.promise(async () => {
        const logs = async (path = "/logs") => (await app.request(path, { headers: { accept: "application/json" } })).json() as Promise<{ status: string; io?: { prompt: string; started_at: string } }>
        assert.is((await logs()).status, "ok")
        assert.is((await post(app, "/io/start", { prompt: "approve deploy?" })).status, 200)
        const waiting = await logs("/api/logs")
        assert.is(waiting.status, "waiting")
        assert.is(waiting.io?.prompt, "approve deploy?")
        assert.ok(Number(waiting.io?.started_at) > 0)
        assert.is((await post(app, "/io/write", { message: "yes" })).status, 200)
        assert.is((await logs()).status, "ok")
        // A round that times out with nobody touching the gate reads as "ok" again within the sweep interval.
        assert.is((await post(app, "/io/start", { timeout_ms: 100 })).status, 200)
        assert.is((await logs()).status, "waiting")
        await sleep(1400)
        assert.is((await logs()).status, "ok")
      })
    })))
  })
}

test.run()
