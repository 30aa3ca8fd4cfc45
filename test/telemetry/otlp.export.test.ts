/**
 * @module test/telemetry/otlp.export — with OTEL_EXPORTER_OTLP_ENDPOINT set, a
 * real Fluxgate process (Node, then Deno) exports its spans over OTLP/HTTP
 * (JSON) to a tiny receiver in the test, with service.name,
 * service.instance.id and fluxgate.roles as resource attributes, and the
 * request span continues the client's traceparent.
 */
import { createServer, type Server } from "node:http"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { freePort } from "../helpers/redis.ts"
import { startServer, type Launcher } from "../helpers/server.ts"

interface OtlpValue { stringValue?: string }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: OtlpValue }> }
    scopeSpans: Array<{ spans: Array<OtlpSpan> }>
  }>
}

/** A one-path OTLP receiver on a free loopback port, collecting every JSON export posted to /v1/traces. */
const startReceiver = async () => {
  const port = await freePort()
  const exports: Array<{ path: string; contentType: string; body: OtlpExport }> = []
  const raw: Array<{ contentType: string; bytes: Buffer }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (d: Buffer) => chunks.push(d))
    req.on("end", () => {
      const bytes = Buffer.concat(chunks)
      const contentType = req.headers["content-type"] ?? ""
      raw.push({ contentType, bytes })
      try {
        if (contentType.includes("json")) exports.push({ path: req.url ?? "", contentType, body: JSON.parse(bytes.toString("utf8")) as OtlpExport })
      } catch {
        // not JSON: recorded as nothing, the assertions below will say so
      }
      res.writeHead(200, { "content-type": contentType.includes("json") ? "application/json" : "application/x-protobuf" }).end(contentType.includes("json") ? "{}" : "")
    })
  })
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r))
  return { port, exports, raw, close: () => new Promise<void>((r) => server.close(() => r())) }
}

const T = "5bf92f3577b34da6a3ce929d0e0e4736"
const S = "10f067aa0ba902b7"

const exportsSpansFrom = (launcher: Launcher) => async () => {
  const receiver = await startReceiver()
  const instance = `otlp-${launcher}`
  const server = await startServer({
    ROLES: "collector",
    INSTANCE_ID: instance,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
    OTEL_SERVICE_NAME: "fluxgate-otlp-test",
    STREAM_NAME: `otlp-${launcher}-logs`
  }, { launcher })
  try {
    const res = await fetch(`${server.url}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${T}-${S}-01` },
      body: JSON.stringify({ source: "otlp-test", level: "INFO", message: "hello" })
    })
    assert.is(res.status, 202, await res.text())
    // The exporter sends every second; wait (bounded) until our request span has arrived.
    const find = () => {
      for (const e of receiver.exports) {
        for (const rs of e.body.resourceSpans ?? []) {
          for (const ss of rs.scopeSpans) {
            const span = ss.spans.find((s) => s.traceId === T && s.name === "http POST /ingest")
            if (span) return { span, resource: rs.resource, path: e.path, contentType: e.contentType }
          }
        }
      }
      return undefined
    }
    const deadline = Date.now() + 15_000
    while (find() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const hit = find()
    assert.ok(hit, `no exported span of trace ${T}; got ${receiver.exports.length} exports\n${server.output().slice(-1500)}`)
    assert.is(hit.path, "/v1/traces")
    assert.match(hit.contentType, /application\/json/)
    assert.is(hit.span.parentSpanId, S)
    assert.is(hit.span.kind, 2) // SERVER
    const attrs = Object.fromEntries(hit.resource.attributes.map((a) => [a.key, a.value.stringValue]))
    assert.is(attrs["service.name"], "fluxgate-otlp-test")
    assert.is(attrs["service.instance.id"], instance)
    assert.is(attrs["fluxgate.roles"], "collector")
    // The collector's writer span (an actor fiber) is exported too.
    const names = receiver.exports.flatMap((e) => e.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))))
    const deadline2 = Date.now() + 5_000
    while (!receiver.exports.some((e) => JSON.stringify(e.body).includes("collector.append")) && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(receiver.exports.some((e) => JSON.stringify(e.body).includes("collector.append")), names.join(","))
  } finally {
    await server.stop("SIGKILL").catch(() => {})
    await receiver.close()
  }
}

test("a Node process exports spans over OTLP/HTTP with its service name, instance id and roles", exportsSpansFrom("tsx"))
test("a Deno process exports spans over OTLP/HTTP with its service name, instance id and roles", exportsSpansFrom("deno"))

test("with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf the spans are posted as protobuf", async () => {
  const receiver = await startReceiver()
  const server = await startServer({
    ROLES: "collector",
    INSTANCE_ID: "otlp-protobuf",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}/`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_SERVICE_NAME: "fluxgate-otlp-proto"
  })
  try {
    const res = await fetch(`${server.url}/whoami`, { headers: { traceparent: `00-${T}-${S}-01` } })
    assert.is(res.status, 200)
    const traceBytes = Buffer.from(T, "hex")
    const hit = () => receiver.raw.find((r) => r.bytes.includes(traceBytes))
    const deadline = Date.now() + 15_000
    while (hit() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const found = hit()
    assert.ok(found, `no protobuf export with trace ${T} (${receiver.raw.length} posts)`)
    assert.match(found.contentType, /application\/x-protobuf/)
    assert.ok(found.bytes.includes(Buffer.from("fluxgate-otlp-proto")), "resource service.name in the body")
    assert.ok(found.bytes.includes(Buffer.from("otlp-protobuf")), "service.instance.id in the body")
    assert.is(receiver.exports.length, 0)
  } finally {
    await server.stop("SIGKILL").catch(() => {})
    await receiver.close()
  }
})

test.run()
