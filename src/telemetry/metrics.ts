/**
 * @module telemetry/metrics — every Fluxgate metric (all named `fluxgate_…`).
 * Counters and histograms are Effect `Metric`s that actors bump through
 * `Metrics.*` (one call per event or batch, never per byte); gauges are read
 * at scrape time from the actor registry and the broker (see `scrape.ts`), so
 * nothing has to keep them up to date.
 */
import { Effect, Metric, MetricBoundaries, MetricLabel } from "effect"

/**
 * Label sets are interned: Effect caches a metric's hook per label *array*
 * (a WeakMap keyed by identity), so reusing the same array skips building and
 * hashing a metric key on every update. Bounded; past the cap, fresh arrays.
 */
const interned = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const tags = (...pairs: ReadonlyArray<string>): ReadonlyArray<MetricLabel.MetricLabel> => {
  const id = pairs.join("\u0000")
  let hit = interned.get(id)
  if (hit === undefined) {
    const out: Array<MetricLabel.MetricLabel> = []
    for (let i = 0; i < pairs.length; i += 2) out.push(MetricLabel.make(pairs[i], pairs[i + 1]))
    hit = out
    if (interned.size < 10_000) interned.set(id, hit)
  }
  return hit
}
const NO_TAGS: ReadonlyArray<MetricLabel.MetricLabel> = []

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })
const histogram = (name: string, description: string, boundaries: ReadonlyArray<number>) =>
  Metric.histogram(name, MetricBoundaries.fromIterable(boundaries), description)

const sizes = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
const seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/** The Effect metrics themselves (for tests and for code that wants `Metric` combinators). */
export const metric = {
  ingestAccepted: counter("fluxgate_ingest_accepted_total", "events accepted by POST /ingest (and seed ingest paths)"),
  ingestRejected: counter("fluxgate_ingest_rejected_total", "events or requests rejected at ingest, by reason"),
  batchSize: histogram("fluxgate_ingest_batch_size", "events per collector group-commit write", sizes),
  delivered: counter("fluxgate_events_delivered_total", "stream events delivered by the distributor, by sink"),
  sseEvents: counter("fluxgate_sse_events_sent_total", "events written to SSE subscribers"),
  overflowCloses: counter("fluxgate_sse_overflow_closes_total", "SSE subscribers closed because their bounded queue overflowed"),
  streamDead: counter("fluxgate_stream_dead_letters_total", "stream entries moved to <stream>:dead after MAX_DELIVERIES"),
  tasks: counter("fluxgate_tasks_total", "task state transitions, by queue and status (enqueued, started, completed, failed, retried, dead)"),
  taskDuration: histogram("fluxgate_task_duration_seconds", "time a worker attempt took, by queue and outcome", seconds),
  retries: counter("fluxgate_task_retries_total", "task attempts scheduled for retry, by queue"),
  deadLetters: counter("fluxgate_task_dead_letters_total", "tasks moved to the dead list, by queue"),
  gateWaits: counter("fluxgate_gate_waits_total", "requests that waited on (or were refused by) a busy gate, by gate and outcome"),
  gateWait: histogram("fluxgate_gate_wait_seconds", "time spent waiting on a gate, by gate", seconds),
  httpRequests: counter("fluxgate_http_requests_total", "HTTP requests served, by method, route and status class"),
  httpDuration: histogram("fluxgate_http_request_duration_seconds", "time to the response head, by method and route", seconds)
}

// Touch the unlabelled ones so they are exposed (as 0) before the first event.
for (const m of [metric.ingestAccepted, metric.sseEvents, metric.overflowCloses, metric.streamDead]) m.unsafeValue(NO_TAGS)

const bump = (m: Metric.Metric.Counter<number>, n: number, labels: ReadonlyArray<MetricLabel.MetricLabel> = NO_TAGS) =>
  Effect.sync(() => m.unsafeUpdate(n, labels))
const observe = (m: Metric.Metric.Histogram<number>, v: number, labels: ReadonlyArray<MetricLabel.MetricLabel> = NO_TAGS) =>
  Effect.sync(() => m.unsafeUpdate(v, labels))

/**
 * What actors call, e.g. `yield* Metrics.ingestAccepted(batch.length)`.
 * Each is a cheap `Effect.sync`; reason/queue/gate values should be a small
 * fixed set (they become label values).
 */
export const Metrics = {
  ingestAccepted: (events: number) => bump(metric.ingestAccepted, events),
  /** `reason`: e.g. invalid_payload, too_large, mailbox_full, stream_unavailable, unauthorized. */
  ingestRejected: (reason: string, n = 1) => bump(metric.ingestRejected, n, tags("reason", reason)),
  batchSize: (events: number) => observe(metric.batchSize, events),
  delivered: (sink: string, n: number) => bump(metric.delivered, n, tags("sink", sink)),
  sseEventsSent: (n: number) => bump(metric.sseEvents, n),
  overflowClose: () => bump(metric.overflowCloses, 1),
  streamDeadLetter: (n = 1) => bump(metric.streamDead, n),
  /** `status`: enqueued, started, completed, failed, retried, dead. */
  task: (queue: string, status: string, n = 1) => bump(metric.tasks, n, tags("queue", queue, "status", status)),
  taskDuration: (queue: string, outcome: string, seconds: number) =>
    observe(metric.taskDuration, seconds, tags("queue", queue, "outcome", outcome)),
  taskRetry: (queue: string) => bump(metric.retries, 1, tags("queue", queue)),
  deadLetter: (queue: string, n = 1) => bump(metric.deadLetters, n, tags("queue", queue)),
  /** `outcome`: waited, refused. */
  gateWait: (gate: string, outcome: string, seconds?: number) =>
    Effect.sync(() => {
      metric.gateWaits.unsafeUpdate(1, tags("gate", gate, "outcome", outcome))
      if (seconds !== undefined) metric.gateWait.unsafeUpdate(seconds, tags("gate", gate))
    })
}

/** Sync form for HTTP middleware (not inside an Effect). */
export const recordHttp = (method: string, route: string, status: number, seconds: number) => {
  metric.httpRequests.unsafeUpdate(1, tags("method", method, "route", route, "status", `${Math.floor(status / 100)}xx`))
  metric.httpDuration.unsafeUpdate(seconds, tags("method", method, "route", route))
}

/** Sync form of `Metrics.ingestRejected` for the HTTP middleware. */
export const recordIngestRejected = (reason: string) => metric.ingestRejected.unsafeUpdate(1, tags("reason", reason))

/**
 * Time a gate wait and count its outcome (`fluxgate_gate_waits_total{gate,outcome}`,
 * `fluxgate_gate_wait_seconds{gate}`): `outcomeOf` names a result (message,
 * timeout, …); a `GateBusy` failure counts as `refused`, any other as `error`.
 */
export const timeGateWait = <A, E, R>(gate: string, outcomeOf: (a: A) => string) => (effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const start = Date.now()
    return effect.pipe(
      Effect.tapBoth({
        onSuccess: (a) => Metrics.gateWait(gate, outcomeOf(a).toLowerCase(), (Date.now() - start) / 1000),
        onFailure: (e) =>
          Metrics.gateWait(gate, typeof e === "object" && e !== null && "_tag" in e && e._tag === "GateBusy" ? "refused" : "error")
      })
    )
  })

/** Both label sets of a success, per queue: it runs once per task, and `tags` joins its arguments on every call. */
const bySucceededQueue = new Map<string, readonly [ReadonlyArray<MetricLabel.MetricLabel>, ReadonlyArray<MetricLabel.MetricLabel>]>()
const succeededTags = (queue: string) => {
  let hit = bySucceededQueue.get(queue)
  if (hit === undefined) {
    hit = [tags("queue", queue, "status", "succeeded"), tags("queue", queue, "outcome", "succeeded")]
    if (bySucceededQueue.size < 1_000) bySucceededQueue.set(queue, hit)
  }
  return hit
}

/** Sync forms for code outside an Effect (e.g. the distributor's fanout loop). */
export const record = {
  sseEventsSent: (n: number) => {
    if (n > 0) metric.sseEvents.unsafeUpdate(n, NO_TAGS)
  },
  overflowClose: () => metric.overflowCloses.unsafeUpdate(1, NO_TAGS),
  /** A task attempt that succeeded: `fluxgate_tasks_total{status=succeeded}` and its duration. */
  taskSucceeded: (queue: string, seconds: number) => {
    const [counted, timed] = succeededTags(queue)
    metric.tasks.unsafeUpdate(1, counted)
    metric.taskDuration.unsafeUpdate(seconds, timed)
  },
  /** One collector write: its size (0 = not a new batch), and the events it got accepted. */
  ingestBatch: (events: number, accepted: number) => {
    if (events > 0) metric.batchSize.unsafeUpdate(events, NO_TAGS)
    if (accepted > 0) metric.ingestAccepted.unsafeUpdate(accepted, NO_TAGS)
  }
}
