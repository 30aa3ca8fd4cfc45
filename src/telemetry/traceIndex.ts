/**
 * @module telemetry/traceIndex — the short-lived, capped trace index in Redis
 * that lets `GET /debug/traces/:id` on any process show spans other processes
 * recorded. Spans of shared ("sampled") traces are queued in memory (bounded:
 * a full queue drops and counts), and one background fiber writes them in
 * batches, one script call per trace, off the request path.
 */
import { Effect, Schedule } from "effect"
import { Broker } from "../broker/Broker.ts"
import { keys } from "../broker/keys.ts"
import { AppConfig } from "../config.ts"
import { appendTraceSpans } from "./scripts/appendTraceSpans.ts"
import type { SpanRecord } from "./spans.ts"

/** Spans waiting to be written; beyond this they are dropped (and counted) rather than grow memory. */
const QUEUE_MAX = 8192
/** Spans written per trace per script call (keeps `unpack` well inside Lua's stack). */
const CHUNK = 200
const FLUSH_EVERY = "200 millis"

export interface TraceIndex {
  /** Queue a finished span of a shared trace (sync, O(1)). */
  readonly offer: (record: SpanRecord) => void
  /** Spans of `traceId` every process wrote, oldest first. */
  readonly read: (traceId: string) => Effect.Effect<Array<SpanRecord>>
  /** Write what is queued now. */
  readonly flush: Effect.Effect<void>
  readonly stats: () => { readonly queued: number; readonly dropped: number; readonly written: number; readonly failed: number }
}

/** A trace index over the process's broker. With the embedded broker it is off: one process holds every span. */
export const makeTraceIndex = Effect.gen(function*() {
  const broker = yield* Broker
  const config = yield* AppConfig
  const k = keys(config.keyPrefix)
  const enabled = broker.backend === "redis" && config.traceIndexRate > 0
  let queue: Array<SpanRecord> = []
  let dropped = 0
  let written = 0
  let failed = 0
  const ttl = String(config.traceIndexTtlS * 1000)
  const cap = String(config.traceIndexMaxSpans)

  const flush = Effect.suspend(() => {
    if (queue.length === 0) return Effect.void
    const batch = queue
    queue = []
    const byTrace = new Map<string, Array<string>>()
    for (const r of batch) {
      const list = byTrace.get(r.trace_id)
      if (list) list.push(JSON.stringify(r))
      else byTrace.set(r.trace_id, [JSON.stringify(r)])
    }
    const calls: Array<[string, Array<string>]> = []
    for (const [traceId, spans] of byTrace) {
      for (let i = 0; i < spans.length; i += CHUNK) calls.push([traceId, spans.slice(i, i + CHUNK)])
    }
    return Effect.forEach(calls, ([traceId, spans]) =>
      broker.run(appendTraceSpans, [k.trace(traceId)], [ttl, cap, ...spans]).pipe(
        Effect.tap(() => Effect.sync(() => void (written += spans.length))),
        // The index is best effort: a Redis outage must not stop or slow the actors.
        Effect.catchAll(() => Effect.sync(() => void (failed += spans.length)))
      ), { concurrency: 8, discard: true })
  }).pipe(Effect.withTracerEnabled(false))

  if (enabled) {
    yield* flush.pipe(Effect.repeat(Schedule.spaced(FLUSH_EVERY)), Effect.forkScoped, Effect.interruptible)
    // Write what is left on shutdown (the broker closes after us: it was built first).
    yield* Effect.addFinalizer(() => flush.pipe(Effect.timeout("2 seconds"), Effect.ignore))
  }

  const index: TraceIndex = {
    offer: (record) => {
      if (!enabled) return
      if (queue.length >= QUEUE_MAX) dropped++
      else queue.push(record)
    },
    read: (traceId) =>
      enabled
        ? broker.listRange(k.trace(traceId), 0, -1).pipe(
          Effect.map((items) => {
            const out: Array<SpanRecord> = []
            for (const item of items) {
              try {
                out.push(JSON.parse(item) as SpanRecord)
              } catch {
                // a foreign or truncated value: skip it
              }
            }
            return out
          }),
          Effect.timeout("2 seconds"),
          Effect.orElseSucceed(() => []),
          Effect.withTracerEnabled(false)
        )
        : Effect.succeed([]),
    flush,
    stats: () => ({ queued: queue.length, dropped, written, failed })
  }
  return index
})
