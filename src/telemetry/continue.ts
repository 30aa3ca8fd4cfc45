/**
 * @module telemetry/continue — per-entry spans for batch work. A distributor
 * read or a sink write handles many stream entries at once, each from its own
 * trace; `continueStoredTraces` runs the batch once and then records, for each
 * sampled stored `traceparent` in it, ONE span of that trace covering the batch
 * (`stream_id` = its first entry there, `entries` = how many), linked to the
 * batch span. One span per trace, not per entry: an NDJSON request of 1,000
 * events is one trace, and a span per event made the distributor spend more on
 * tracing (records, trace-index writes) than on delivering. Unsampled entries
 * cost nothing, so a flood costs at most the trace-index admission rate.
 */
import { Clock, Context, Effect, Exit, Option, type Tracer } from "effect"
import { currentParentSpanOption, parseTraceparent } from "./traceparent.ts"

/** Most per-trace spans recorded for one batch. */
const MAX_PER_BATCH = 256

/** What a batch entry must offer: its id and its stored fields (with `traceparent`). */
export interface TracedEntry {
  readonly id: string
  readonly fields: { readonly traceparent?: string | undefined }
}

/**
 * Run `effect` (the batch) and record a span `name` in each sampled entry's
 * trace, parented on the span stored in the entry, with `attributes` plus
 * `stream_id`. The spans end as the batch ends, with its outcome.
 */
export const continueStoredTraces = <A, E, R>(
  name: string,
  entries: ReadonlyArray<TracedEntry>,
  attributes: Record<string, unknown>,
  effect: Effect.Effect<A, E, R>,
  kind: Tracer.SpanKind = "consumer"
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    // Grouped by the stored parent span (the request that wrote them), in stream order.
    // (null: a header already seen that is not a sampled trace, so it is parsed once per batch.)
    const byHeader = new Map<string, { readonly id: string; readonly traceId: string; readonly spanId: string; lastId: string; count: number } | null>()
    let groups = 0
    for (const entry of entries) {
      const header = entry.fields.traceparent
      if (header === undefined) continue
      const seen = byHeader.get(header)
      if (seen === null) continue
      if (seen !== undefined) {
        seen.lastId = entry.id
        seen.count++
        continue
      }
      const p = groups < MAX_PER_BATCH ? parseTraceparent(header) : undefined
      if (p === undefined || !p.sampled) {
        byHeader.set(header, null)
        continue
      }
      byHeader.set(header, { id: entry.id, traceId: p.traceId, spanId: p.spanId, lastId: entry.id, count: 1 })
      groups++
    }
    if (groups === 0) return yield* effect
    const tracer = yield* Effect.tracer
    const batch = yield* currentParentSpanOption
    const start = yield* Clock.currentTimeNanos
    const exit = yield* Effect.exit(effect)
    const end = yield* Clock.currentTimeNanos
    const links: Array<Tracer.SpanLink> = Option.isSome(batch) ? [{ _tag: "SpanLink", span: batch.value, attributes: {} }] : []
    for (const p of byHeader.values()) {
      if (p === null) continue
      const parent: Tracer.ExternalSpan = { _tag: "ExternalSpan", traceId: p.traceId, spanId: p.spanId, sampled: true, context: Context.empty() }
      const span = tracer.span(name, Option.some(parent), Context.empty(), links, start, kind)
      for (const key in attributes) span.attribute(key, attributes[key])
      span.attribute("stream_id", p.id)
      span.attribute("entries", p.count)
      if (p.count > 1) span.attribute("last_stream_id", p.lastId)
      span.end(end, Exit.isSuccess(exit) ? Exit.void : exit)
    }
    return yield* exit
  })
