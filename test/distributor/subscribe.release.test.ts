/**
 * @module test/distributor/subscribe.release — on real servers (Node and
 * Deno): a client that disconnects releases its subscriber, and SIGTERM ends
 * open streams so the process exits cleanly.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { startServer, type Launcher } from "../helpers/server.ts"
import { sseClient, subscriberGauge, waitFor } from "./support.ts"

for (const launcher of ["tsx", "deno"] as ReadonlyArray<Launcher>) {
  const runtime = launcher === "tsx" ? "node" : "deno"
  const test = suite(`distributor subscriber release (${runtime} server)`)

  test(`on ${runtime}, disconnecting clients release their subscribers and SIGTERM ends open streams`, async () => {
    const server = await startServer({ ROLES: "collector,distributor", HEARTBEAT_MS: "200" }, { launcher })
    try {
      const gauge = () => subscriberGauge((p) => fetch(`${server.url}${p}`))
      const aborts = [new AbortController(), new AbortController(), new AbortController()]
      const clients = await Promise.all(aborts.map(async (a) => sseClient(await fetch(`${server.url}/subscribe`, { signal: a.signal }))))
      assert.ok(await waitFor(async () => (await gauge()) === 3, 5000), "three subscribers")
      // Heartbeat comments keep an idle stream alive (HEARTBEAT_MS=200).
      assert.ok(await waitFor(async () => clients[0].comments.filter((c) => c === "heartbeat").length >= 2, 3000), `comments: ${clients[0].comments.join(",")}`)
      const post = await fetch(`${server.url}/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ source: "r", level: "INFO", message: "hi" }) })
      assert.is(post.status, 202)
      assert.ok(await clients[0].until((e) => e.length === 1, 3000), "events flow")
      aborts[0].abort()
      aborts[1].abort()
      await Promise.all([clients[0].close(), clients[1].close()])
      assert.ok(await waitFor(async () => (await gauge()) === 1, 5000), `after two disconnects the gauge is ${await gauge()}`)
      // SIGTERM: the remaining stream is ended by the server, which exits 0.
      const code = await server.stop("SIGTERM", 10_000)
      assert.ok(await clients[2].until(() => clients[2].ended(), 3000), "the open stream was ended")
      assert.is(code, 0)
      aborts[2].abort()
    } finally {
      await server.stop("SIGKILL").catch(() => {})
    }
  })

  test.run()
}
