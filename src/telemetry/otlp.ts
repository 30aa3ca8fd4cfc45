/**
 * @module telemetry/otlp — the OTLP/HTTP span exporter, used as the base
 * tracer when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. @effect/opentelemetry's
 * `OtlpTracer` needs no OpenTelemetry SDK and posts with `fetch`, so it runs
 * unchanged on Node and Deno; spans go to `<endpoint>/v1/traces` as OTLP JSON,
 * or protobuf with `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`.
 */
import { Effect, Layer, type Scope, type Tracer } from "effect"
import type { AppConfigShape } from "../config.ts"
import { VERSION } from "../lifecycle.ts"

/** The traces URL for an OTLP endpoint: the spec appends `/v1/traces` to the base endpoint. */
export const tracesUrl = (endpoint: string): string =>
  /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, "")}/v1/traces`

/** The resource every exported span carries. */
export const resourceFor = (config: AppConfigShape) => ({
  serviceName: config.otelServiceName,
  serviceVersion: VERSION,
  attributes: {
    "service.instance.id": config.instanceId,
    "fluxgate.roles": config.roles.join(",")
  }
})

/**
 * An exporting tracer for the process's scope (flushes on scope close). The
 * exporter's modules are loaded only here (deep imports, not the barrels, which
 * would pull in the OpenTelemetry SDK), so a process that does not export
 * does not pay for them at start-up.
 */
export const makeOtlpTracer = (config: AppConfigShape, endpoint: string): Effect.Effect<Tracer.Tracer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const [OtlpTracer, OtlpSerialization, FetchHttpClient] = yield* Effect.promise(() =>
      Promise.all([
        import("@effect/opentelemetry/OtlpTracer"),
        import("@effect/opentelemetry/OtlpSerialization"),
        import("@effect/platform/FetchHttpClient")
      ])
    )
    return yield* OtlpTracer.make({
      url: tracesUrl(endpoint),
      resource: resourceFor(config),
      exportInterval: "1 second",
      shutdownTimeout: "3 seconds"
    }).pipe(Effect.provide(Layer.merge(
      FetchHttpClient.layer,
      config.otelProtocol === "http/protobuf" ? OtlpSerialization.layerProtobuf : OtlpSerialization.layerJson
    )))
  })
