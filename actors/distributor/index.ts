/**
 * @module distributor — the distributor actor (role `distributor`):
 * - a tail fiber that broadcasts the stream to this replica's SSE subscribers
 *   (`GET /subscribe`; every replica sees every event),
 * - the durable sinks through the consumer group (archive file, counters),
 *   with a jittered reclaim sweep and dead letters,
 * - `GET /logs`, and a health probe for consumer lag and stuck pending entries.
 */
import { Deferred, Duration, Effect, Either, Layer, Runtime, Schedule } from "effect"
import { Hono } from "hono"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { handleMessage, supervise } from "../../src/actor/supervise.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { AppConfig } from "../../src/config.ts"
import { registerRoutes, type AppEnv } from "../../src/http/routes.ts"
import { Lifecycle } from "../../src/lifecycle.ts"
import { makeArchive } from "./archive.ts"
import { Fanout } from "./fanout.ts"
import { STREAM_ID, normalizeId } from "./ids.ts"
import { judgeConsumer } from "./health.ts"
import { getLogs, parseFilters } from "./logs.ts"
import { consumeOnce, reclaimOnce, sinkAndAck, type SinkOptions, type SinkState } from "./sinks.ts"
import { openSubscription, type SubscribeContext } from "./subscribe.ts"
import { InvalidPayload } from "../../src/errors.ts"
import { compareIds } from "./ids.ts"
import { continueStoredTraces } from "../../src/telemetry/continue.ts"
import { linkStoredTraces } from "../../src/telemetry/traceparent.ts"

export { distributorMetrics } from "./counters.ts"

/** Entries per live-tail read. */
const TAIL_COUNT = 1000

/** Subscribers connected to this process, across all distributor instances in it (for tests and /debug). */
let liveSubscribers = 0
export const subscriberCount = (): number => liveSubscribers

/** The distributor actor. */
export const DistributorLive = Layer.scopedDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  const broker = yield* Broker
  const registry = yield* ActorRegistry
  const lifecycle = yield* Lifecycle
  const runtime = yield* Effect.runtime<never>()
  const runPromise = Runtime.runPromise(runtime)
  const names = keys(config.keyPrefix)
  const stream = names.stream(config.streamName)
  const status = registry.actor("distributor")

  // ── live fanout ────────────────────────────────────────────────────────────
  const fanout = new Fanout(config.subscriberQueueLen)
  let tailId: string | null = null
  // Blocking reads are shown as the fiber's operation (so a read that returns after an outage
  // marks the actor running again); they stay well under ACTOR_STUCK_MS.
  const readBlockMs = Math.max(1, Math.min(config.blockMs, Math.floor(config.actorStuckMs / 2)))
  yield* supervise("distributor", "tail", handleMessage("distributor", "tail", "read", Effect.gen(function*() {
    // Nobody to deliver to: sleep until someone subscribes (or a read's worth of time passes) and
    // read nothing, rather than wake for every write. The tail then resumes after the oldest id a
    // subscriber joined at (see Fanout), never from a backlog written while nobody listened.
    if (fanout.subscribers.size === 0) {
      fanout.tailSleeps()
      yield* Effect.async<void>((resume) => {
        if (fanout.subscribers.size > 0) return resume(Effect.void)
        return Effect.sync(fanout.whenJoined(() => resume(Effect.void)))
      }).pipe(
        Effect.timeout(Duration.millis(readBlockMs)),
        Effect.ignore
      )
      return
    }
    // Asleep until now (also across the iterations that timed out): resume after the oldest join.
    const resumeAfter = fanout.tailWakes()
    if (resumeAfter !== null) tailId = resumeAfter
    // Started with a subscriber already there (never asleep): from the stream's end.
    tailId ??= (yield* broker.streamInfo(stream)).lastId ?? "0-0"
    const from = tailId
    const entries = yield* broker.readAfter(stream, from, { count: TAIL_COUNT, blockMs: readBlockMs })
    // Only a read that returns about a stream's worth of entries can follow a trim that
    // overtook the tail; then, if our first entry is already the stream's oldest, say so.
    if (from !== "0-0" && entries.length >= Math.min(TAIL_COUNT, Math.floor(config.trimMaxLen / 2))) {
      const first = (yield* broker.streamInfo(stream)).firstId
      if (first !== null && compareIds(first, entries[0].id) >= 0) fanout.gap(from, entries[0].id)
    }
    if (entries.length > 0) {
      tailId = entries[entries.length - 1].id
      // Each sampled entry's trace gets a fanout span: ingest → stream → SSE delivery is one trace.
      const attrs = { subscribers: fanout.subscribers.size, instance_id: config.instanceId }
      yield* continueStoredTraces("distributor.fanout", entries, attrs, Effect.sync(() => fanout.dispatch(entries)))
    }
  }), {}, 0))
  const subscribe: SubscribeContext = {
    fanout,
    heartbeatMs: config.heartbeatMs,
    queueLen: config.subscriberQueueLen,
    shutdown: runPromise(Deferred.await(lifecycle.shutdown)),
    rangeAfter: (afterId, count) => runPromise(broker.rangeAfter(stream, afterId, count)),
    firstId: () => runPromise(Effect.map(broker.streamInfo(stream), (info) => info.firstId)),
    lastId: () => runPromise(Effect.map(broker.latest(stream, 1), (entries) => entries[0]?.id ?? null))
  }
  status.gauges.set("subscribers", () => fanout.subscribers.size)
  status.gauges.set("fanout_delivered", () => fanout.delivered)

  // ── durable sinks ──────────────────────────────────────────────────────────
  const sinkOptions: SinkOptions = {
    stream,
    deadStream: names.deadStream(stream),
    group: config.consumerGroup,
    consumer: config.consumerName,
    batchCount: config.batchCount,
    blockMs: readBlockMs,
    pendingIdleMs: config.pendingIdleMs,
    maxDeliveries: config.maxDeliveries,
    deadMaxLen: config.trimMaxLen,
    archive: config.archiveFile === undefined ? null : makeArchive(config.archiveFile, config.archiveMaxBytes, config.archiveBackups)
  }
  const sinkState: SinkState = { groupReady: false, lastReadAt: Date.now() }
  // Before HTTP listens; if Redis is not there yet, the consumer loop creates it once it is.
  yield* broker.ensureGroup(stream, config.consumerGroup, "0").pipe(
    Effect.tap(() => Effect.sync(() => {
      sinkState.groupReady = true
    })),
    Effect.ignore
  )
  yield* supervise("distributor", "consumer", Effect.gen(function*() {
    const entries = yield* handleMessage("distributor", "consumer", "read", consumeOnce(sinkOptions, sinkState), {}, 0)
    if (entries.length > 0) {
      // The batch span links every entry's trace; each sampled trace also gets a sink span of its own.
      const traced = linkStoredTraces(entries.map((e) => e.fields)).pipe(
        Effect.zipRight(continueStoredTraces("distributor.sink", entries, { instance_id: config.instanceId }, sinkAndAck(sinkOptions, entries)))
      )
      yield* handleMessage("distributor", "consumer", "sink", traced, { entries: entries.length }, entries.length)
    }
    // The sinks are durable, not live: after a partial batch, linger so the next read takes many
    // writes at once. Reading after every write woke this process once per ingest request, on the
    // same event loop (and CPU) the live tail needs for SSE latency. A full batch reads on at once.
    if (entries.length > 0 && entries.length < config.batchCount && config.sinkLingerMs > 0) yield* Effect.sleep(config.sinkLingerMs)
  }))
  // Jittered, so replicas do not sweep in step; often enough that an idle entry waits at most ~1.5 × PENDING_IDLE_MS.
  const sweepEvery = Math.max(20, Math.floor(config.pendingIdleMs / 2))
  yield* supervise("distributor", "reclaim", Effect.sleep(Duration.millis(sweepEvery)).pipe(
    Effect.zipRight(handleMessage("distributor", "reclaim", "sweep", reclaimOnce(sinkOptions)))
  ), { schedule: Schedule.exponential("200 millis", 1.5).pipe(Schedule.union(Schedule.spaced("10 seconds")), Schedule.jittered) })

  status.probes.set("consumer", Effect.gen(function*() {
    const info = yield* broker.groupInfo(stream, config.consumerGroup).pipe(Effect.timeout(Duration.seconds(2)), Effect.either)
    if (Either.isLeft(info)) return { ok: false, detail: { error: String(info.left.message) } }
    const verdict = judgeConsumer(info.right, Date.now() - sinkState.lastReadAt, config)
    return {
      ok: verdict.ok,
      detail: { group: config.consumerGroup, consumer: config.consumerName, subscribers: fanout.subscribers.size, ...verdict.detail }
    }
  }))

  // ── routes ─────────────────────────────────────────────────────────────────
  yield* registerRoutes<Broker>("distributor", (run) =>
    new Hono<AppEnv>()
      .get("/subscribe", (c) => {
        const filters = parseFilters((name) => c.req.query(name))
        const resume = c.req.header("last-event-id") ?? c.req.query("last_event_id") ?? c.req.query("lastEventId")
        const badResume = resume !== undefined && resume !== "" && !STREAM_ID.test(resume.trim())
        if (Either.isLeft(filters) || badResume) {
          return run(c, Effect.fail(Either.isLeft(filters)
            ? filters.left
            : new InvalidPayload({ message: `Last-Event-ID must be a stream id like 1700000000000-0, got ${JSON.stringify(resume)}`, issues: [{ path: "last_event_id", message: "not a stream id" }] })))
        }
        liveSubscribers++
        const response = openSubscription(c, subscribe, filters.right, resume === undefined || resume === "" ? null : normalizeId(resume.trim()), () => {
          liveSubscribers--
        })
        return response
      })
      .get("/logs", (c) => run(c, getLogs(c, config)))
  )
}))
