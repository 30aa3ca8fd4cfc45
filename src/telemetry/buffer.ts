/**
 * @module telemetry/buffer — the bounded in-memory ring of finished spans a
 * process keeps (`TRACE_BUFFER_SPANS`), and the queries `/debug/traces` runs on
 * it. Writing is O(1) and never allocates beyond the ring; queries scan it.
 */
import { actorOf, type SpanRecord, type SpanStatusName } from "./spans.ts"

/** One trace as the recent-traces list shows it. */
export interface TraceSummary {
  readonly trace_id: string
  readonly root: string
  readonly start_ms: number
  readonly duration_ms: number
  readonly span_count: number
  readonly status: SpanStatusName
  readonly actors: ReadonlyArray<string>
  readonly instances: ReadonlyArray<string>
}

/** Filters of `GET /debug/traces`. */
export interface TraceFilter {
  readonly actor?: string | undefined
  readonly status?: SpanStatusName | undefined
  readonly minDurationMs?: number | undefined
  readonly limit?: number | undefined
}

export interface SpanBuffer {
  readonly capacity: number
  readonly add: (record: SpanRecord) => void
  /** Spans held, oldest first. */
  readonly all: () => Array<SpanRecord>
  readonly trace: (traceId: string) => Array<SpanRecord>
  /** Spans ever added (including those since overwritten). */
  readonly added: () => number
}

export const makeBuffer = (capacity: number): SpanBuffer => {
  const ring: Array<SpanRecord | undefined> = new Array(capacity)
  let next = 0
  let total = 0
  const all = () => {
    const out: Array<SpanRecord> = []
    for (let i = 0; i < capacity; i++) {
      const r = ring[(next + i) % capacity]
      if (r !== undefined) out.push(r)
    }
    return out
  }
  return {
    capacity,
    add: (record) => {
      if (capacity === 0) return
      ring[next] = record
      next = (next + 1) % capacity
      total++
    },
    all,
    trace: (traceId) => all().filter((r) => r.trace_id === traceId),
    added: () => total
  }
}

const worst = (a: SpanStatusName, b: SpanStatusName): SpanStatusName =>
  a === "error" || b === "error" ? "error" : a === "interrupted" || b === "interrupted" ? "interrupted" : "ok"

/** Group spans into traces, newest first, then filter. */
export const summarize = (spans: ReadonlyArray<SpanRecord>, filter: TraceFilter = {}): Array<TraceSummary> => {
  const byTrace = new Map<string, Array<SpanRecord>>()
  for (const s of spans) {
    const list = byTrace.get(s.trace_id)
    if (list) list.push(s)
    else byTrace.set(s.trace_id, [s])
  }
  const out: Array<TraceSummary> = []
  for (const [traceId, list] of byTrace) {
    const ids = new Set(list.map((s) => s.span_id))
    // The root shown is the earliest span whose parent is not held here (the local entry point).
    const roots = list.filter((s) => s.parent_span_id === null || !ids.has(s.parent_span_id))
    const root = roots.reduce((a, b) => (b.start_ms < a.start_ms ? b : a), roots[0] ?? list[0])
    const start = Math.min(...list.map((s) => s.start_ms))
    const end = Math.max(...list.map((s) => s.start_ms + s.duration_ms))
    out.push({
      trace_id: traceId,
      root: root.name,
      start_ms: start,
      duration_ms: Math.round((end - start) * 1000) / 1000,
      span_count: list.length,
      status: list.reduce<SpanStatusName>((acc, s) => worst(acc, s.status), "ok"),
      actors: [...new Set(list.map(actorOf))],
      instances: [...new Set(list.map((s) => s.instance_id))]
    })
  }
  return out
    .filter((t) =>
      (filter.actor === undefined || t.actors.includes(filter.actor)) &&
      (filter.status === undefined || t.status === filter.status) &&
      (filter.minDurationMs === undefined || t.duration_ms >= filter.minDurationMs)
    )
    .sort((a, b) => b.start_ms - a.start_ms)
    .slice(0, filter.limit ?? 100)
}
