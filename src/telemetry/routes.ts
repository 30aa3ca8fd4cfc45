/**
 * @module telemetry/routes — `GET /metrics` (Prometheus), `GET /debug/traces`
 * (recent traces this process holds, filtered) and `GET /debug/traces/:traceId`
 * (one trace across every process, via the shared index). Every process serves them.
 */
import { Effect, Schema } from "effect"
import { Hono } from "hono"
import type { ActorRegistry } from "../actor/registry.ts"
import type { Broker } from "../broker/Broker.ts"
import type { AppConfig } from "../config.ts"
import { NotFound } from "../errors.ts"
import { decodeInput, registerRoutes, type AppEnv } from "../http/routes.ts"
import type { Lifecycle } from "../lifecycle.ts"
import { summarize } from "./buffer.ts"
import { CONTENT_TYPE } from "./prometheus.ts"
import { scrape } from "./scrape.ts"
import { actorOf } from "./spans.ts"
import { Tracing } from "./Tracing.ts"

const TraceQuery = Schema.Struct({
  actor: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Literal("ok", "error", "interrupted")),
  min_duration_ms: Schema.optional(Schema.NumberFromString.pipe(Schema.nonNegative())),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)))
})

const TRACE_ID = /^[0-9a-f]{32}$/

/** Register the telemetry routes (a kernel-level Layer: `Layer.effectDiscard(registerTelemetryRoutes)`). */
export const registerTelemetryRoutes = registerRoutes<Tracing | Broker | ActorRegistry | AppConfig | Lifecycle>("telemetry", (run) =>
  new Hono<AppEnv>()
    .get("/metrics", (c) =>
      run(c, Effect.map(scrape, (text) => c.body(text, 200, { "Content-Type": CONTENT_TYPE, "Cache-Control": "no-store" }))))
    .get("/debug/traces", (c) =>
      run(c, Effect.gen(function*() {
        const q = yield* decodeInput(TraceQuery, c.req.query(), "query")
        const tracing = yield* Tracing
        return c.json({
          instance_id: tracing.instanceId,
          recording: tracing.recording,
          exporting: tracing.exporting,
          buffer: { capacity: tracing.buffer.capacity, spans_recorded: tracing.buffer.added(), kept_fraction: tracing.keptFraction() },
          traces: summarize(tracing.buffer.all(), { actor: q.actor, status: q.status, minDurationMs: q.min_duration_ms, limit: q.limit })
        })
      })))
    .get("/debug/traces/:traceId", (c) =>
      run(c, Effect.gen(function*() {
        const traceId = c.req.param("traceId").toLowerCase()
        if (!TRACE_ID.test(traceId)) return yield* new NotFound({ message: `no trace ${traceId} (a trace id is 32 hex digits)` })
        const tracing = yield* Tracing
        const spans = yield* tracing.trace(traceId)
        if (spans.length === 0) return yield* new NotFound({ message: `no spans of trace ${traceId} are held here or in the trace index` })
        const start = spans[0].start_ms
        const end = Math.max(...spans.map((s) => s.start_ms + s.duration_ms))
        return c.json({
          trace_id: traceId,
          served_by: tracing.instanceId,
          start_ms: start,
          duration_ms: Math.round((end - start) * 1000) / 1000,
          span_count: spans.length,
          instances: [...new Set(spans.map((s) => s.instance_id))],
          actors: [...new Set(spans.map(actorOf))],
          spans: spans.map((s) => ({ ...s, offset_ms: Math.round((s.start_ms - start) * 1000) / 1000 }))
        })
      })))
)
