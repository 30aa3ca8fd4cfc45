/**
 * @module test/telemetry/tracing.processes — one trace across processes:
 * `POST /ingest` with a known traceparent to process A (collector) → the event
 * arrives over SSE from process B (distributor) on the same real Redis → both
 * processes' spans are found under that trace id by `GET /debug/traces/:id`
 * on either process, with parent links intact.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { sseClient } from "../distributor/support.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"
import { startServer, type Launcher, type ServerProcess } from "../helpers/server.ts"

interface Span { name: string; span_id: string; parent_span_id: string | null; instance_id: string; attributes: Record<string, unknown> }
interface Trace { instances: Array<string>; spans: Array<Span> }

const CLIENT_SPAN = "30f067aa0ba902b7"

const traceOn = async (server: ServerProcess, traceId: string): Promise<Trace | undefined> => {
  const res = await fetch(`${server.url}/debug/traces/${traceId}`)
  return res.status === 200 ? ((await res.json()) as Trace) : (await res.body?.cancel(), undefined)
}

const oneTraceAcross = (launcherA: Launcher, launcherB: Launcher) => async () => {
  const redis = await sharedRedis()
  const shared = { REDIS_URL: redis.url, KEY_PREFIX: uniqueName("p"), STREAM_NAME: uniqueName("logs"), BLOCK_MS: "200" }
  const traceId = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("")
  const [a, b] = await Promise.all([
    startServer({ ...shared, ROLES: "collector", INSTANCE_ID: `api-${launcherA}` }, { launcher: launcherA }),
    startServer({ ...shared, ROLES: "distributor", INSTANCE_ID: `dist-${launcherB}` }, { launcher: launcherB })
  ])
  const sse = sseClient(await fetch(`${b.url}/subscribe`))
  try {
    assert.is(sse.status, 200)
    // give the subscription a moment to register before the event is written
    await new Promise((r) => setTimeout(r, 300))
    const res = await fetch(`${a.url}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${CLIENT_SPAN}-01` },
      body: JSON.stringify({ source: "trace-test", level: "INFO", message: `traced ${traceId}` })
    })
    assert.is(res.status, 202, await res.text())
    const serverSpanId = res.headers.get("traceparent")?.split("-")[2]
    assert.ok(serverSpanId, "A returned a traceparent")
    assert.ok(await sse.until((events) => events.some((e) => e.data.includes(`traced ${traceId}`)), 10_000), "B delivered the event over SSE")

    const complete = (t: Trace | undefined) =>
      t !== undefined && t.instances.length === 2 &&
      t.spans.some((s) => s.name === "distributor.fanout") && t.spans.some((s) => s.name === "distributor.sink")
    for (const server of [b, a]) {
      let trace: Trace | undefined
      const deadline = Date.now() + 10_000
      while (!complete(trace) && Date.now() < deadline) {
        trace = await traceOn(server, traceId)
        if (!complete(trace)) await new Promise((r) => setTimeout(r, 150))
      }
      assert.ok(trace && complete(trace), `trace on ${server.url}: ${JSON.stringify(trace?.spans.map((s) => [s.instance_id, s.name]))}`)
      assert.equal([...trace.instances].sort(), [`api-${launcherA}`, `dist-${launcherB}`].sort())
      const ingest = trace.spans.find((s) => s.name === "http POST /ingest")
      assert.ok(ingest, "A's request span")
      assert.is(ingest.instance_id, `api-${launcherA}`)
      assert.is(ingest.span_id, serverSpanId)
      assert.is(ingest.parent_span_id, CLIENT_SPAN)
      const commit = trace.spans.find((s) => s.name === "collector.commit")
      assert.ok(commit, "A's commit span")
      assert.is(commit.parent_span_id, ingest.span_id)
      for (const name of ["distributor.fanout", "distributor.sink"]) {
        const span = trace.spans.find((s) => s.name === name)
        assert.ok(span, name)
        assert.is(span.instance_id, `dist-${launcherB}`)
        // parent link intact across processes: B's delivery is a child of A's request span
        assert.is(span.parent_span_id, ingest.span_id, name)
        assert.match(String(span.attributes.stream_id), /^\d+-\d+$/)
      }
    }
  } finally {
    await sse.close()
    await Promise.all([a.stop("SIGKILL").catch(() => {}), b.stop("SIGKILL").catch(() => {})])
  }
}

test("one ingest is one trace: A's request span and B's fanout and sink spans, seen from either process (Node + Node)", oneTraceAcross("tsx", "tsx"))
test("one ingest is one trace across a Deno collector and a Node distributor", oneTraceAcross("deno", "tsx"))

test.run()
