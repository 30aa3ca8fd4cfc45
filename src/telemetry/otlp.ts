/**
 * @module telemetry/otlp — the OTLP/HTTP span exporter, used as the base
 * tracer when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. @effect/opentelemetry's
 * `OtlpTracer` needs no OpenTelemetry SDK and posts with `fetch`, so it runs
 * unchanged on Node and Deno; spans go to `<endpoint>/v1/traces` as OTLP JSON,
 * or protobuf with `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`.
 */
// Deep imports: the barrels would load the OpenTelemetry SDK and platform modules we never use.
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
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

/** An exporting tracer for the process's scope (flushes on scope close). */
export const makeOtlpTracer = (config: AppConfigShape, endpoint: string): Effect.Effect<Tracer.Tracer, never, Scope.Scope> =>
  OtlpTracer.make({
    url: tracesUrl(endpoint),
    resource: resourceFor(config),
    exportInterval: "1 second",
    shutdownTimeout: "3 seconds"
  }).pipe(Effect.provide(Layer.merge(
    FetchHttpClient.layer,
    config.otelProtocol === "http/protobuf" ? OtlpSerialization.layerProtobuf : OtlpSerialization.layerJson
  )))
