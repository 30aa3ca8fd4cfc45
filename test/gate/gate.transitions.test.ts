/** @module test/gate/gate.transitions — the gate's HTTP transitions are atomic and say clearly why they refuse. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { awaitGate } from "../../actors/gate/await.ts"
import { BACKENDS, post, withGate } from "./support.ts"

for (const backend of BACKENDS) {
  test(`[${backend}] two clients racing POST /io/start: exactly one gets 200, the other 409`, () =>
    withGate(backend, async ({ app }) => {
      const responses = await Promise.all([post(app, "/io/start", { prompt: "a" }), post(app, "/io/start", { prompt: "b" })])
      const statuses = responses.map((r) => r.status).sort()
      assert.equal(statuses, [200, 409])
      const busy = await responses.find((r) => r.status === 409)!.json() as { error: { code: string; message: string } }
      assert.is(busy.error.code, "GateBusy")
      assert.match(busy.error.message, /already awaiting/)
      const state = await (await app.request("/io")).json() as { state: string; awaiting_io: boolean }
      assert.is(state.state, "awaiting")
      assert.is(state.awaiting_io, true)
    }))

  test(`[${backend}] ten concurrent starts on a fresh gate: one 200 and nine 409`, () =>
    withGate(backend, async ({ app }) => {
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(app, "/io/start?gate=race")))
      assert.is(responses.filter((r) => r.status === 200).length, 1)
      assert.is(responses.filter((r) => r.status === 409).length, 9)
    }))

  test(`[${backend}] a write when nothing is awaiting is a 409 that says so, not a silent success`, () =>
    withGate(backend, async ({ app }) => {
      const res = await post(app, "/io/write", { message: "hello" })
      assert.is(res.status, 409)
      const body = await res.json() as { error: { message: string; details: { state: string; gate: string } } }
      assert.match(body.error.message, /not awaiting input/)
      assert.is(body.error.details.state, "idle")
      assert.is((await app.request("/io/read")).status, 404)
    }))

  test(`[${backend}] start, write, read: the message is stored with its time and the gate is idle again`, () =>
    withGate(backend, async ({ app }) => {
      assert.is((await post(app, "/io/start", { prompt: "name?" })).status, 200)
      const before = Date.now()
      const w = await post(app, "/io/write", { message: "Ada" })
      assert.is(w.status, 200)
      const read = await (await app.request("/io/read")).json() as { message: string; timestamp: number }
      assert.is(read.message, "Ada")
      assert.ok(read.timestamp >= before - 5 && read.timestamp <= Date.now())
      const state = await (await app.request("/io")).json() as { state: string; last_outcome: string }
      assert.is(state.state, "idle")
      assert.is(state.last_outcome, "message")
      assert.is((await post(app, "/io/write", { message: "again" })).status, 409)
    }))

  test(`[${backend}] a text body works as the message, and /api/io/* answers the same`, () =>
    withGate(backend, async ({ app }) => {
      assert.is((await post(app, "/api/io/start")).status, 200)
      const w = await app.request("/api/io/write", { method: "POST", headers: { "content-type": "text/plain" }, body: "plain words" })
      assert.is(w.status, 200)
      const read = await (await app.request("/api/io/read")).json() as { message: string }
      assert.is(read.message, "plain words")
    }))

  test(`[${backend}] an empty message is a 400 and one over IO_MESSAGE_MAX_BYTES is a 413; the gate keeps awaiting`, () =>
    withGate(backend, async ({ app }) => {
      assert.is((await post(app, "/io/start")).status, 200)
      assert.is((await post(app, "/io/write", { message: "" })).status, 400)
      assert.is((await post(app, "/io/write", { message: "   " })).status, 400)
      assert.is((await post(app, "/io/write", { message: "é".repeat(33) })).status, 413)
      assert.is((await post(app, "/io/write", { nope: 1 })).status, 400)
      assert.is((await post(app, "/io/start?gate=bad%20name")).status, 400)
      const state = await (await app.request("/io")).json() as { state: string }
      assert.is(state.state, "awaiting")
    }, { ioMessageMaxBytes: 64 }))

  test(`[${backend}] named gates are independent`, () =>
    withGate(backend, async ({ app }) => {
      assert.is((await post(app, "/io/start", { gate: "alpha" })).status, 200)
      assert.is((await post(app, "/io/start?gate=beta")).status, 200)
      assert.is((await post(app, "/io/write?gate=beta", { message: "to beta" })).status, 200)
      const alpha = await (await app.request("/io?gate=alpha")).json() as { state: string }
      const beta = await (await app.request("/io?gate=beta")).json() as { state: string }
      assert.is(alpha.state, "awaiting")
      assert.is(beta.state, "idle")
      assert.is((await app.request("/io")).status, 200)
      assert.is((await app.request("/io/read?gate=alpha")).status, 404)
      assert.is(((await (await app.request("/io/read?gate=beta")).json()) as { message: string }).message, "to beta")
    }))

  test(`[${backend}] a write issued in the same millisecond as start is delivered, once, to a waiter that blocks only afterwards`, () =>
    withGate(backend, async ({ app, run }) => {
      const [started, written] = await Promise.all([post(app, "/io/start"), post(app, "/io/write", { message: "quick" })])
      assert.is(started.status, 200)
      // If the write's script happened to run before start's, it was refused (409) rather than lost: send it again.
      if (written.status === 409) assert.is((await post(app, "/io/write", { message: "quick" })).status, 200)
      else assert.is(written.status, 200)
      // The waiter looks only now, after both: the message waited in the inbox for it.
      const first = await run(awaitGate("default", { whenBusy: "join" }))
      assert.is(first?._tag, "Message")
      assert.is(first?._tag === "Message" ? first.message : "", "quick")
      // Delivered once: a second waiter finds nothing.
      assert.is(await run(awaitGate("default", { whenBusy: "join" })), null)
      const again = await run(awaitGate("default", { whenBusy: "queue", timeoutMs: 150 }))
      assert.is(again?._tag, "Timeout")
    }))
}

test.run()
