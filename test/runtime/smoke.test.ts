/**
 * @module test/runtime/smoke — the real server, started the ways users start it
 * (`node dist/server`, `deno task start`, `npm start`'s tsx), answers and shuts
 * down cleanly on SIGTERM.
 */
import { execFileSync } from "node:child_process"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { freePort, sharedRedis } from "../helpers/redis.ts"
import { repoRoot, runToExit, startServer, type Launcher } from "../helpers/server.ts"

const redis = await sharedRedis()
// `npm test` builds first; build here too so this file also runs alone.
execFileSync("node", ["scripts/build.mjs"], { cwd: repoRoot, stdio: "ignore" })

const getJson = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const test = suite("runtime smoke")

for (const [launcher, runtime] of [["dist", "node"], ["deno", "deno"]] as Array<[Launcher, string]>) {
  test(`${launcher === "dist" ? "node dist/server" : "deno task start"} serves /healthz, /whoami and /valkey_test on the embedded broker, then exits 0 on SIGTERM`, async () => {
    const server = await startServer({ INSTANCE_ID: `smoke-${runtime}` }, { launcher })
    try {
      const health = await getJson(`${server.url}/healthz`)
      assert.is(health.status, 200)
      assert.is(health.body.status, "ok")
      const who = await getJson(`${server.url}/whoami`)
      assert.is(who.body.runtime, runtime)
      assert.is(who.body.instance_id, `smoke-${runtime}`)
      const diag = await getJson(`${server.url}/valkey_test`)
      assert.is(diag.status, 200)
      assert.is(diag.body.backend, "embedded")
    } finally {
      const started = Date.now()
      const code = await server.stop("SIGTERM", 12_000)
      assert.is(code, 0, server.output().slice(-1500))
      assert.ok(Date.now() - started < 10_000)
    }
  })

  test(`${runtime}: with REDIS_URL the broker is Redis and /valkey_test reports the server version`, async () => {
    const server = await startServer({ REDIS_URL: redis.url, KEY_PREFIX: `smoke-${runtime}`, STREAM_NAME: `smoke-${runtime}` }, { launcher })
    try {
      const diag = await getJson(`${server.url}/valkey_test`)
      assert.is(diag.body.backend, "redis")
      assert.match(String(diag.body.server_version), /^\d+\.\d+/)
    } finally {
      assert.is(await server.stop("SIGTERM"), 0, server.output().slice(-1500))
    }
  })
}

for (const launcher of ["dist", "deno"] as Array<Launcher>) {
  test(`${launcher === "dist" ? "node dist/server" : "deno task start"} ends an open SSE stream and exits 0 on SIGTERM`, async () => {
    const server = await startServer({ ROLES: "collector,distributor", HEARTBEAT_MS: "200" }, { launcher })
    let streamEnded = false
    try {
      const res = await fetch(`${server.url}/subscribe`)
      assert.is(res.status, 200)
      assert.match(res.headers.get("content-type") ?? "", "text/event-stream")
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const first = await reader.read()
      assert.ok(!first.done && first.value.length > 0, "the stream sends something (heartbeat) before shutdown")
      const drained = (async () => {
        try {
          while (!(await reader.read()).done) { /* keep reading until the server ends it */ }
        } catch { /* a reset also ends it */ }
        streamEnded = true
      })()
      const started = Date.now()
      const code = await server.stop("SIGTERM", 12_000)
      assert.is(code, 0, server.output().slice(-1500))
      assert.ok(Date.now() - started < 8_000, `exit took ${Date.now() - started} ms`)
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))])
      assert.ok(streamEnded, "the SSE response was ended by the server")
    } finally {
      await server.stop("SIGKILL").catch(() => {})
    }
  })
}

test("PORT=abc stops start-up with a non-zero exit and a message naming PORT", async () => {
  const { code, output } = await runToExit({ PORT: "abc", TRIM_MAXLEN: "nope" }, "dist")
  assert.is.not(code, 0)
  assert.match(output, "PORT")
  assert.match(output, "TRIM_MAXLEN")
})

test("a port already in use fails start-up with a message naming it", async () => {
  const holder = await startServer({ ROLES: "collector" }, { launcher: "dist" })
  try {
    const { code, output } = await runToExit({ PORT: String(holder.port), ROLES: "collector" }, "dist")
    assert.is.not(code, 0)
    assert.match(output, `cannot listen on 127.0.0.1:${holder.port}`)
  } finally {
    await holder.stop("SIGTERM")
  }
})

test("a REDIS_URL pointing at a closed port fails start-up with a message naming the address", async () => {
  const port = await freePort()
  const { code, output } = await runToExit({ REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(await freePort()) }, "dist")
  assert.is.not(code, 0)
  assert.match(output, `127.0.0.1:${port}`)
})

test.run()
