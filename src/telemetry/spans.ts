/**
 * @module telemetry/spans — the compact, JSON-ready record of a finished span
 * that the in-memory buffer keeps, the Redis trace index shares and
 * `/debug/traces` serves. Built once when the span ends, copying only
 * primitives, so a buffered span never retains a fiber's context or its result.
 */
import { Cause, type Exit, Option, type Tracer } from "effect"

export type SpanStatusName = "ok" | "error" | "interrupted"

/** One finished span as `/debug/traces/:id` shows it. */
export interface SpanRecord {
  readonly trace_id: string
  readonly span_id: string
  readonly parent_span_id: string | null
  readonly name: string
  readonly kind: Tracer.SpanKind
  /** Start, ms since the epoch (fractional). */
  readonly start_ms: number
  readonly duration_ms: number
  readonly status: SpanStatusName
  readonly error?: string
  readonly attributes: Record<string, string | number | boolean>
  readonly links: ReadonlyArray<{ readonly trace_id: string; readonly span_id: string }>
  /** Which process recorded it. */
  readonly instance_id: string
}

const MAX_ATTRIBUTES = 32
const MAX_TEXT = 256

const primitive = (value: unknown): string | number | boolean => {
  switch (typeof value) {
    case "string":
      return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value
    case "number":
    case "boolean":
      return value
    case "bigint":
      return Number(value)
    default: {
      let text: string
      try {
        text = JSON.stringify(value) ?? String(value)
      } catch {
        text = String(value)
      }
      return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text
    }
  }
}

const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`
  if (typeof failure === "object" && failure !== null && "_tag" in failure) {
    const message = "message" in failure && typeof failure.message === "string" ? `: ${failure.message}` : ""
    return `${String(failure._tag)}${message}`
  }
  return String(failure)
}

/** The actor a span belongs to: the `<actor>.` prefix of its name, or its `actor` attribute. */
export const actorOf = (record: SpanRecord): string => {
  const attr = record.attributes.actor
  if (typeof attr === "string") return attr
  const dot = record.name.indexOf(".")
  const space = record.name.indexOf(" ")
  return dot > 0 ? record.name.slice(0, dot) : space > 0 ? record.name.slice(0, space) : record.name
}

/** Copy a finished span into a record. */
export const toRecord = (
  span: Tracer.Span,
  endTime: bigint,
  exit: Exit.Exit<unknown, unknown>,
  instanceId: string
): SpanRecord => {
  const startNs = span.status.startTime
  const attributes: Record<string, string | number | boolean> = {}
  let n = 0
  for (const [key, value] of span.attributes) {
    if (n++ >= MAX_ATTRIBUTES) break
    attributes[key] = primitive(value)
  }
  const parent = span.parent
  const base = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: Option.isSome(parent) ? parent.value.spanId : null,
    name: span.name,
    kind: span.kind,
    start_ms: Number(startNs / 1000n) / 1000,
    duration_ms: Number(endTime - startNs) / 1e6,
    attributes,
    links: span.links.map((l) => ({ trace_id: l.span.traceId, span_id: l.span.spanId })),
    instance_id: instanceId
  }
  if (exit._tag === "Success") return { ...base, status: "ok" }
  if (Cause.isInterruptedOnly(exit.cause)) return { ...base, status: "interrupted" }
  return { ...base, status: "error", error: primitive(describeFailure(exit.cause)) as string }
}
