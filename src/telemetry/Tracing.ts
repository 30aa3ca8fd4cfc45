/**
 * @module telemetry/Tracing — the process's tracing service: the recording
 * tracer (installed for every fiber of the process by `layerTelemetry`), its
 * span buffer and the shared trace index. `/debug/traces` and the HTTP
 * middleware read it; actors never need it (they just open spans).
 */
import { Context, Effect, Layer, type Tracer } from "effect"
import type { Broker } from "../broker/Broker.ts"
import { AppConfig } from "../config.ts"
import { makeBuffer, type SpanBuffer } from "./buffer.ts"
import { makeOtlpTracer } from "./otlp.ts"
import type { SpanRecord } from "./spans.ts"
import { toRecord } from "./spans.ts"
import { makeTraceIndex, type TraceIndex } from "./traceIndex.ts"
import { makeAdmission, makeLocalSampler, makeRecordingTracer, plainTracer } from "./tracer.ts"

export interface TracingService {
  readonly instanceId: string
  /** The tracer every fiber of this process uses. */
  readonly tracer: Tracer.Tracer
  /** Whether finished spans are recorded into `buffer` (TRACE_BUFFER_SPANS > 0). */
  readonly recording: boolean
  /** Whether spans are exported over OTLP. */
  readonly exporting: boolean
  readonly buffer: SpanBuffer
  readonly index: TraceIndex
  /** Take one slot of the shared-index budget for a trace that starts here. */
  readonly admit: () => boolean
  /** The fraction of new unshared traces the buffer keeps now (1 below TRACE_BUFFER_TRACES_PER_S). */
  readonly keptFraction: () => number
  /** Every span of `traceId` this process holds plus those other processes shared, by start time. */
  readonly trace: (traceId: string) => Effect.Effect<Array<SpanRecord>>
}

export class Tracing extends Context.Tag("fluxgate/Tracing")<Tracing, TracingService>() {}

const make = Effect.gen(function*() {
  const config = yield* AppConfig
  const index = yield* makeTraceIndex
  const buffer = makeBuffer(config.traceBufferSpans)
  const admit = makeAdmission(config.traceIndexRate)
  const exporting = config.otelEndpoint !== undefined
  const base = config.otelEndpoint !== undefined ? yield* makeOtlpTracer(config, config.otelEndpoint) : plainTracer
  const recording = config.traceBufferSpans > 0
  const instanceId = config.instanceId
  const sampler = makeLocalSampler(config.traceBufferTracesPerS)
  const tracer = recording
    ? makeRecordingTracer(base, (span, endTime, exit) => {
      // Shared traces and failures are always kept; the rest as the local sampler says.
      if (!span.sampled && exit._tag === "Success" && !sampler.keep(span.traceId)) return
      const record = toRecord(span, endTime, exit, instanceId)
      buffer.add(record)
      if (span.sampled) index.offer(record)
    }, admit, sampler.root)
    : base
  const service: TracingService = {
    instanceId,
    tracer,
    recording,
    exporting,
    buffer,
    index,
    admit: recording ? admit : () => false,
    keptFraction: recording ? sampler.fraction : () => 0,
    trace: (traceId) =>
      Effect.map(index.read(traceId), (shared) => {
        const seen = new Set<string>()
        const out: Array<SpanRecord> = []
        for (const s of [...buffer.trace(traceId), ...shared]) {
          if (seen.has(s.span_id)) continue
          seen.add(s.span_id)
          out.push(s)
        }
        return out.sort((a, b) => a.start_ms - b.start_ms)
      })
  }
  return service
})

/**
 * The Tracing service, with its tracer installed for everything built after
 * it (provide the actors with it: `Layer.provideMerge(actors, layerTelemetry)`).
 */
export const layerTelemetry: Layer.Layer<Tracing, never, AppConfig | Broker> = Layer.unwrapScoped(
  Effect.map(make, (service) => Layer.merge(Layer.succeed(Tracing, service), Layer.setTracer(service.tracer)))
)
