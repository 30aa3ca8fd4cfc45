/**
 * @module telemetry/tracer — an Effect `Tracer` that records every finished
 * span into the process's ring buffer (and hands it to the cross-process trace
 * index), on top of a base tracer: Effect's native one, or the OTLP exporter
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The base tracer makes and ends
 * the span (so its ids, parents and export are untouched); the wrapper only
 * listens to `end` and carries the index decision in `sampled`.
 */
import { type Context, type Exit, Option, Tracer } from "effect"
import { randomHex } from "../random.ts"

/** Called once per finished span; must be cheap (it runs on the fiber that ended the span). */
export type SpanSink = (span: Tracer.Span, endTime: bigint, exit: Exit.Exit<unknown, unknown>) => void

/**
 * A span of the base tracer seen through the recorder. Immutable facts are
 * copied, mutable ones (status, attributes, links) read through, so whatever
 * the base tracer exports and what we record agree.
 */
class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly name: string
  readonly spanId: string
  readonly traceId: string
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly context: Context.Context<never>
  readonly kind: Tracer.SpanKind
  readonly inner: Tracer.Span
  /** Whether this trace is shared through the cross-process index (W3C "sampled" flag). */
  readonly sampled: boolean
  private readonly sink: SpanSink
  constructor(inner: Tracer.Span, sampled: boolean, sink: SpanSink) {
    this.inner = inner
    this.sampled = sampled
    this.sink = sink
    this.name = inner.name
    this.spanId = inner.spanId
    this.traceId = inner.traceId
    this.parent = inner.parent
    this.context = inner.context
    this.kind = inner.kind
  }
  get status() {
    return this.inner.status
  }
  get attributes() {
    return this.inner.attributes
  }
  get links() {
    return this.inner.links
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.inner.end(endTime, exit)
    this.sink(this, endTime, exit)
  }
  attribute(key: string, value: unknown): void {
    this.inner.attribute(key, value)
  }
  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    this.inner.event(name, startTime, attributes)
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.inner.addLinks(links)
  }
}

/**
 * A token bucket deciding which *new* traces (a request with no or a sampled
 * incoming traceparent) go to the shared index: at most `perSecond` a second,
 * so a flood of requests cannot flood Redis. Children inherit the decision
 * (it travels as the W3C "sampled" flag in stored traceparents).
 */
export const makeAdmission = (perSecond: number, now: () => number = Date.now) => {
  let tokens = perSecond
  let last = now()
  return (): boolean => {
    if (perSecond <= 0) return false
    const t = now()
    tokens = Math.min(perSecond, tokens + ((t - last) / 1000) * perSecond)
    last = t
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
}

/**
 * Which traces the local buffer keeps. Up to `tracesPerSecond` new traces a
 * second all are kept; above that, a fraction p = rate / observed of them,
 * chosen by trace id, so a trace is kept whole (every span, in every process
 * that uses the same p) or not at all. Keeping every span at high rates would
 * cost more in garbage collection (each record lives for the ring's turnover,
 * long enough to be promoted) than in recording.
 */
export const makeLocalSampler = (tracesPerSecond: number, now: () => number = Date.now) => {
  let windowStart = now()
  let roots = 0
  let p = 1
  return {
    /** Count a trace starting here. */
    root: (): void => {
      roots++
      const t = now()
      // A short window, so a burst is sampled within a fifth of a second of starting.
      if (t - windowStart >= 200) {
        const rate = (roots * 1000) / (t - windowStart)
        p = rate <= tracesPerSecond ? 1 : tracesPerSecond / rate
        roots = 0
        windowStart = t
      }
    },
    /** Whether spans of `traceId` are kept now. */
    keep: (traceId: string): boolean => p >= 1 || parseInt(traceId.slice(0, 8), 16) / 0x1_0000_0000 < p,
    fraction: (): number => p
  }
}

/** Wrap `base` so every span it makes is reported to `sink` when it ends. */
export const makeRecordingTracer = (
  base: Tracer.Tracer,
  sink: SpanSink,
  admit: () => boolean,
  onRoot: () => void = () => {}
): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const inner = base.span(name, parent, context, links, startTime, kind, options)
      if (Option.isNone(parent) || kind === "server") onRoot()
      // Only entry points (server spans: HTTP requests) start shared traces; an actor loop's own
      // root spans (batches, sweeps) stay local, so they never spend the index budget.
      const sampled = Option.isSome(parent) ? parent.value.sampled : kind === "server" && admit()
      return new RecordingSpan(inner, sampled, sink)
    },
    context: (f, fiber) => base.context(f, fiber)
  })

/** A plain in-process span (what Effect's native tracer makes), for when nothing is exported. */
class PlainSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly name: string
  readonly spanId: string
  readonly traceId: string
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly context: Context.Context<never>
  readonly kind: Tracer.SpanKind
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  readonly links: Array<Tracer.SpanLink>
  status: Tracer.SpanStatus
  constructor(name: string, parent: Option.Option<Tracer.AnySpan>, context: Context.Context<never>, links: ReadonlyArray<Tracer.SpanLink>, startTime: bigint, kind: Tracer.SpanKind) {
    this.name = name
    this.parent = parent
    this.context = context
    this.kind = kind
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
    this.traceId = Option.isSome(parent) ? parent.value.traceId : randomHex(32)
    this.spanId = randomHex(16)
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }
  event(): void {
    // events are not recorded in the buffer
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

/**
 * The base tracer when nothing is exported. Made here rather than read from
 * the fiber (`Effect.tracer`), so a process never wraps a tracer some other
 * layer installed (tests build several processes in one fiber).
 */
export const plainTracer: Tracer.Tracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => new PlainSpan(name, parent, context, links, startTime, kind),
  context: (f) => f()
})

/** The current time in the nanosecond form Effect's Clock uses for span times. */
export const nowNanos = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6))
