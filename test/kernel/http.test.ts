/** @module test/kernel/http — the HTTP kernel: errors as JSON, auth on writes, CORS, request ids, body limits. */
import { Effect } from "effect"
import { Redacted } from "effect"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { makeConfig, type AppConfigShape } from "../../src/config.ts"
import { buildApp } from "../../src/main.ts"

/** Build a kernel-only process (no actors) and hand its app to `body`. */
const withApp = (overrides: Partial<AppConfigShape>, body: (app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }) => Promise<void>) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildApp(makeConfig({ roles: [], instanceId: "kernel-test", ...overrides }), "node")
    yield* Effect.promise(() => body(app))
  })))

const test = suite("http kernel")

test("an unknown route gets a JSON 404 naming the method and path", () =>
  withApp({}, async (app) => {
    const res = await app.request("/no/such/thing")
    assert.is(res.status, 404)
    const body = (await res.json()) as { error: { code: string; message: string } }
    assert.is(body.error.code, "NotFound")
    assert.match(body.error.message, "GET /no/such/thing")
  }))

test("every response echoes an X-Request-Id (the client's, or a new one)", () =>
  withApp({}, async (app) => {
    const mine = await app.request("/whoami", { headers: { "X-Request-Id": "abc-123" } })
    assert.is(mine.headers.get("x-request-id"), "abc-123")
    const fresh = await app.request("/whoami")
    assert.ok((fresh.headers.get("x-request-id") ?? "").length > 8)
  }))

test("with AUTH_TOKEN set, a write without the bearer token is 401 and reads stay open", () =>
  withApp({ authToken: Redacted.make("t0ken") }, async (app) => {
    const denied = await app.request("/anything", { method: "POST", body: "{}" })
    assert.is(denied.status, 401)
    const wrong = await app.request("/anything", { method: "POST", body: "{}", headers: { Authorization: "Bearer nope" } })
    assert.is(wrong.status, 401)
    const allowed = await app.request("/anything", { method: "POST", body: "{}", headers: { Authorization: "Bearer t0ken" } })
    assert.is(allowed.status, 404) // past auth: the route does not exist
    assert.is((await app.request("/whoami")).status, 200)
  }))

test("a body larger than MAX_BODY_BYTES is refused with 413 before any handler reads it", () =>
  withApp({ maxBodyBytes: 1024 }, async (app) => {
    const res = await app.request("/anything", { method: "POST", body: "x".repeat(5000) })
    assert.is(res.status, 413)
    const body = (await res.json()) as { error: { code: string } }
    assert.is(body.error.code, "PayloadTooLarge")
  }))

test("CORS answers preflights for the configured origins only", () =>
  withApp({ corsAllowOrigins: ["https://ok.example"] }, async (app) => {
    const ok = await app.request("/whoami", { method: "OPTIONS", headers: { Origin: "https://ok.example", "Access-Control-Request-Method": "POST" } })
    assert.is(ok.headers.get("access-control-allow-origin"), "https://ok.example")
    const other = await app.request("/whoami", { headers: { Origin: "https://evil.example" } })
    assert.is.not(other.headers.get("access-control-allow-origin"), "https://evil.example")
  }))

test("/healthz, /readyz, /whoami, /valkey_test and /config answer on the embedded broker, with secrets redacted", () =>
  withApp({ authToken: Redacted.make("hidden-secret") }, async (app) => {
    const health = (await (await app.request("/healthz")).json()) as { status: string; checks: { broker: { ok: boolean; backend: string } } }
    assert.is(health.status, "ok")
    assert.is(health.checks.broker.backend, "embedded")
    assert.is((await app.request("/health")).status, 200)
    assert.is((await app.request("/readyz")).status, 200)
    const who = (await (await app.request("/whoami")).json()) as { instance_id: string; runtime: string }
    assert.is(who.instance_id, "kernel-test")
    const diag = (await (await app.request("/valkey_test")).json()) as { backend: string; write_read_ok: boolean }
    assert.is(diag.backend, "embedded")
    assert.ok(diag.write_read_ok)
    const config = await (await app.request("/config")).text()
    assert.not.match(config, "hidden-secret")
    assert.match(config, "MAX_MESSAGE_BYTES")
  }))

test.run()
