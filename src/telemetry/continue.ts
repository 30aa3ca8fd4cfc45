/**
 * @module telemetry/continue — per-entry spans for batch work. A distributor
 * read or a sink write handles many stream entries at once, each from its own
 * trace; `continueStoredTraces` runs the batch once and then records, for each
 * entry whose stored `traceparent` is sampled, a span of that trace covering
 * the batch (with the entry id), linked to the batch span. Unsampled entries
 * cost nothing, so a flood costs at most the trace-index admission rate.
 */
import { Clock, Context, Effect, Exit, Option, type Tracer } from "effect"
import { parseTraceparent } from "./traceparent.ts"

/** Most per-entry spans recorded for one batch. */
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
    const parents: Array<{ readonly id: string; readonly traceId: string; readonly spanId: string }> = []
    for (const entry of entries) {
      if (parents.length >= MAX_PER_BATCH) break
      const p = parseTraceparent(entry.fields.traceparent)
      if (p !== undefined && p.sampled) parents.push({ id: entry.id, traceId: p.traceId, spanId: p.spanId })
    }
    if (parents.length === 0) return yield* effect
    const tracer = yield* Effect.tracer
    const batch = yield* Effect.option(Effect.currentParentSpan)
    const start = yield* Clock.currentTimeNanos
    const exit = yield* Effect.exit(effect)
    const end = yield* Clock.currentTimeNanos
    const links: Array<Tracer.SpanLink> = Option.isSome(batch) ? [{ _tag: "SpanLink", span: batch.value, attributes: {} }] : []
    for (const p of parents) {
      const parent: Tracer.ExternalSpan = { _tag: "ExternalSpan", traceId: p.traceId, spanId: p.spanId, sampled: true, context: Context.empty() }
      const span = tracer.span(name, Option.some(parent), Context.empty(), links, start, kind)
      for (const key in attributes) span.attribute(key, attributes[key])
      span.attribute("stream_id", p.id)
      span.end(end, Exit.isSuccess(exit) ? Exit.void : exit)
    }
    return yield* exit
  })
