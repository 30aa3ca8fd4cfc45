/**
 * @module test/ui/ui.serving — the `ui` role without a browser: the page, the
 * welcome JSON, the static and vendor files, and the `/api/*` proxy to API_URL
 * (including a streamed SSE response).
 */
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { makeConfig, type AppConfigShape } from "../../src/config.ts"
import { buildApp } from "../../src/main.ts"
import { upstreamUrl } from "../../actors/ui/proxy.ts"
import { wantsJson } from "../../actors/ui/welcome.ts"

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> }

/** A process running only the `ui` role (plus the kernel routes). */
const withUi = (overrides: Partial<AppConfigShape>, body: (app: App) => Promise<void>) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildApp(makeConfig({ roles: ["ui"], instanceId: "ui-test", ...overrides }), "node")
    yield* Effect.promise(() => body(app))
  })))

const test = suite("ui serving")

test("GET / serves the dashboard HTML, which loads Alpine and Pico from this server", () =>
  withUi({}, async (app) => {
    const res = await app.request("/", { headers: { Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" } })
    assert.is(res.status, 200)
    assert.match(res.headers.get("content-type") ?? "", "text/html")
    assert.match(res.headers.get("content-security-policy") ?? "", "default-src 'self'")
    const html = await res.text()
    assert.match(html, "<title>Fluxgate dashboard</title>")
    assert.match(html, `src="/vendor/alpine.js"`)
    assert.match(html, `href="/vendor/pico.css"`)
    assert.not.match(html, /https?:\/\//, "no third-party URL in the page")
  }))

test("GET / with Accept: application/json answers seed 002's welcome message", () =>
  withUi({}, async (app) => {
    const res = await app.request("/", { headers: { Accept: "application/json" } })
    assert.is(res.status, 200)
    const body = (await res.json()) as { message: string; instance_id: string; endpoints: Array<{ method: string; path: string }> }
    assert.match(body.message, /^Welcome to Fluxgate/)
    assert.is(body.instance_id, "ui-test")
    for (const path of ["/ingest", "/subscribe", "/logs", "/task", "/io/start", "/healthz"]) {
      assert.ok(body.endpoints.some((e) => e.path === path), `endpoint ${path} listed`)
    }
  }))

test("only an Accept header that prefers JSON gets JSON", () => {
  assert.is(wantsJson("application/json"), true)
  assert.is(wantsJson("application/json, text/plain, */*"), true)
  assert.is(wantsJson("text/html,application/json"), false)
  assert.is(wantsJson("*/*"), false)
  assert.is(wantsJson(undefined), false)
})

test("Alpine.js and Pico.css are served from node_modules under /vendor", () =>
  withUi({}, async (app) => {
    const alpine = await app.request("/vendor/alpine.js")
    assert.is(alpine.status, 200)
    assert.match(alpine.headers.get("content-type") ?? "", "text/javascript")
    const js = await alpine.text()
    assert.ok(js.length > 20_000, `alpine is ${js.length} bytes`)
    assert.match(js, "Alpine")
    const pico = await app.request("/vendor/pico.css")
    assert.is(pico.status, 200)
    assert.match(pico.headers.get("content-type") ?? "", "text/css")
    assert.match(await pico.text(), "--pico-")
    assert.is((await app.request("/vendor/lodash.js")).status, 404)
  }))

test("the dashboard's own files are served, and nothing outside public/ is", () =>
  withUi({}, async (app) => {
    for (const name of ["app.js", "tail.js", "tasks.js", "gate.js", "health.js", "app.css"]) {
      const res = await app.request(`/ui/${name}`)
      assert.is(res.status, 200, name)
      assert.is(res.headers.get("x-content-type-options"), "nosniff")
    }
    for (const path of ["/ui/..%2F..%2F..%2Fpackage.json", "/ui/.hidden", "/ui/nope.js", "/ui/..%2Fassets.ts"]) {
      assert.is((await app.request(path)).status, 404, path)
    }
  }))

/** A stand-in API on a real port: echoes requests and streams SSE on demand. */
const startUpstream = async () => {
  let release: () => void = () => {}
  const released = new Promise<void>((r) => (release = r))
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/stream")) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      res.write("id: 1-0\ndata: first\n\n")
      void released.then(() => res.end("id: 2-0\ndata: second\n\n"))
      return
    }
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" })
      res.end(JSON.stringify({
        method: req.method, url: req.url, auth: req.headers.authorization ?? null,
        forwardedHost: req.headers["x-forwarded-host"] ?? null, body: Buffer.concat(chunks).toString("utf8")
      }))
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const address = server.address()
  const port = typeof address === "object" && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    release,
    close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()) })
  }
}

test("with API_URL set, /api/* is forwarded with method, path, query, body and Authorization", async () => {
  const upstream = await startUpstream()
  try {
    await withUi({ apiUrl: upstream.url }, async (app) => {
      const res = await app.request("http://dash.example/api/task?x=1", {
        method: "POST",
        body: JSON.stringify({ a: 1, b: 2 }),
        headers: { "content-type": "application/json", Authorization: "Bearer s3cret" }
      })
      assert.is(res.status, 201)
      assert.is(res.headers.get("x-upstream"), "yes")
      const echo = (await res.json()) as Record<string, string>
      assert.equal(echo, { method: "POST", url: "/task?x=1", auth: "Bearer s3cret", forwardedHost: "dash.example", body: "{\"a\":1,\"b\":2}" })
    })
  } finally {
    await upstream.close()
  }
})

test("with API_URL set, an SSE response streams through the proxy before the upstream finishes", async () => {
  const upstream = await startUpstream()
  try {
    await withUi({ apiUrl: upstream.url }, async (app) => {
      const res = await app.request("/api/stream")
      assert.is(res.status, 200)
      assert.match(res.headers.get("content-type") ?? "", "text/event-stream")
      const reader = res.body!.getReader() // a 200 with a streamed body always has one
      const decoder = new TextDecoder()
      // A buffering proxy would hold the first event until the upstream ends: give up after 2 s.
      const first = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("first SSE event not streamed within 2 s")), 2000))
      ])
      assert.match(decoder.decode(first.value), "data: first", "first event arrives while the upstream is still open")
      upstream.release()
      let rest = ""
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value)
      assert.match(rest, "data: second")
    })
  } finally {
    await upstream.close()
  }
})

test("with API_URL unreachable, /api/* answers 502 naming the upstream", async () => {
  const upstream = await startUpstream()
  const url = upstream.url
  await upstream.close()
  await withUi({ apiUrl: url }, async (app) => {
    const res = await app.request("/api/healthz")
    assert.is(res.status, 502)
    const body = (await res.json()) as { error: { code: string; message: string } }
    assert.is(body.error.code, "BadGateway")
    assert.match(body.error.message, url)
  })
})

test("the upstream URL keeps API_URL's base path and the request's query", () => {
  assert.is(upstreamUrl("http://api:8080", "http://ui/api/tasks/7/status?x=1").href, "http://api:8080/tasks/7/status?x=1")
  assert.is(upstreamUrl("http://api:8080/base/", "http://ui/api/logs").href, "http://api:8080/base/logs")
})

test.run()
