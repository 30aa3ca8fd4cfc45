/**
 * @module test/telemetry/metrics.prometheus — `/metrics` is valid Prometheus
 * text (checked with a real parser), every name is `fluxgate_…`, and the
 * counters move as ingest traffic flows.
 */
import { Effect } from "effect"
import parse, { type ParsedFamily } from "parse-prometheus-text-format"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { makeConfig } from "../../src/config.ts"
import { Exposition } from "../../src/telemetry/prometheus.ts"
import { buildWith, request } from "./support.ts"

type Families = Map<string, ParsedFamily>

const scrape = (app: Parameters<typeof request>[0]) =>
  Effect.gen(function*() {
    const res = yield* request(app, "/metrics")
    assert.is(res.status, 200)
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/)
    const text = yield* Effect.promise(() => res.text())
    const families: Families = new Map(parse(text).map((f) => [f.name, f]))
    return { text, families }
  })

/** The value of `name` for the sample whose labels include `labels` (0 when absent). */
const value = (families: Families, name: string, labels: Record<string, string> = {}): number => {
  const f = families.get(name)
  const sample = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  if (sample === undefined) return 0
  return Number(sample.value ?? sample.count)
}

const ingest = (app: Parameters<typeof request>[0], body: string) =>
  request(app, "/ingest", { method: "POST", headers: { "content-type": "application/json" }, body })

test("GET /metrics parses as Prometheus text and ingest counters, batch histogram and actor counters move with traffic", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(makeConfig({ roles: ["collector"], instanceId: "metrics-a", streamName: "metrics-logs" }))
    const before = yield* scrape(app)
    for (const name of before.families.keys()) assert.ok(name.startsWith("fluxgate_"), name)
    const events = JSON.stringify([1, 2, 3].map((i) => ({ source: "test", level: "INFO", message: `m${i}` })))
    assert.is((yield* ingest(app, events)).status, 202)
    assert.is((yield* ingest(app, "{not json")).status, 400)
    const after = yield* scrape(app)
    const f = after.families
    assert.is(value(f, "fluxgate_ingest_accepted_total") - value(before.families, "fluxgate_ingest_accepted_total"), 3)
    assert.is(value(f, "fluxgate_ingest_rejected_total", { reason: "invalid_payload" }) - value(before.families, "fluxgate_ingest_rejected_total", { reason: "invalid_payload" }), 1)
    assert.is(f.get("fluxgate_ingest_batch_size")?.type, "HISTOGRAM")
    assert.ok(value(f, "fluxgate_ingest_batch_size") >= 1)
    assert.ok(value(f, "fluxgate_actor_messages_handled_total", { actor: "collector" }) >= 1)
    assert.is(value(f, "fluxgate_actor_up", { actor: "collector" }), 1)
    assert.is(value(f, "fluxgate_stream_length", { stream: "metrics-logs" }), 3)
    assert.is(value(f, "fluxgate_broker_up"), 1)
    assert.ok(value(f, "fluxgate_http_requests_total", { route: "/ingest", status: "2xx" }) >= 1)
    assert.is(f.get("fluxgate_http_request_duration_seconds")?.type, "HISTOGRAM")
    assert.ok(value(f, "fluxgate_trace_spans_recorded_total") > value(before.families, "fluxgate_trace_spans_recorded_total"))
  })))
})

test("the exposition escapes label values and ends histograms with +Inf", () => {
  const text = new Exposition()
    .add("fluxgate_x_total", "counter", "help with \\ and\nnewline", 2, { path: "a\"b\\c\nd" })
    .histogram("fluxgate_h_seconds", "h", [[0.1, 1], [1, 3]], 4, 2.5)
    .histogram("fluxgate_q_seconds", "q", [[0.5, 2], [Infinity, 2]], 2, 0.4, { queue: "q" })
    .render()
  const families = new Map(parse(text).map((f) => [f.name, f]))
  assert.is(families.get("fluxgate_x_total")?.metrics[0].labels?.path, "a\"b\\c\nd")
  const h = families.get("fluxgate_h_seconds")?.metrics[0]
  assert.equal(h?.buckets, { "0.1": "1", "1": "3", "+Inf": "4" })
  assert.is(h?.count, "4")
  assert.is(h?.sum, "2.5")
  // (the parser folds labelled histograms, so check those lines as text)
  assert.ok(text.includes('fluxgate_q_seconds_bucket{queue="q",le="+Inf"} 2\n'), text)
  assert.ok(text.includes('fluxgate_q_seconds_count{queue="q"} 2\n'), text)
  assert.is(text.split("\n").filter((l) => l.includes('le="+Inf"') && l.startsWith("fluxgate_q_")).length, 1)
})

test.run()
