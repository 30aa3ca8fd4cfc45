/**
 * @module telemetry/scrape — one `/metrics` scrape: gauges derived now from
 * the actor registry, the broker (stream length, consumer lag, pending age,
 * queue depths) and the tracer, then every `fluxgate_` Effect metric. Broker
 * reads are bounded in time; an unreachable broker reports `fluxgate_broker_up 0`.
 */
import { Effect, Metric } from "effect"
import { ActorRegistry } from "../actor/registry.ts"
import { Broker } from "../broker/Broker.ts"
import { keys } from "../broker/keys.ts"
import { AppConfig } from "../config.ts"
import { Lifecycle, VERSION } from "../lifecycle.ts"
import { Exposition, sanitizeName } from "./prometheus.ts"
import { Tracing } from "./Tracing.ts"

const bounded = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.timeout("1 second"), Effect.option, Effect.withTracerEnabled(false))

const actorMetrics = (ex: Exposition, registry: typeof ActorRegistry.Service, stuckMs: number) => {
  const stuck = registry.stuck(stuckMs)
  for (const a of registry.all()) {
    const l = { actor: a.name }
    ex.add("fluxgate_actor_restarts_total", "counter", "times an actor fiber was restarted after a failure", a.restarts, l)
    ex.add("fluxgate_actor_messages_handled_total", "counter", "messages an actor handled", a.handled, l)
    ex.add("fluxgate_actor_messages_failed_total", "counter", "messages an actor failed to handle", a.failed, l)
    ex.add("fluxgate_actor_up", "gauge", "1 when the actor is running (not restarting or stopped)", a.state === "running" ? 1 : 0, l)
    ex.add("fluxgate_actor_fibers", "gauge", "supervised fibers of the actor", a.fibers.size, l)
    ex.add("fluxgate_actor_stuck_fibers", "gauge", "fibers whose current operation runs longer than ACTOR_STUCK_MS", stuck.filter((s) => s.actor === a.name).length, l)
    if (a.lastActivity !== null) {
      ex.add("fluxgate_actor_last_activity_timestamp_seconds", "gauge", "when the actor last finished a message", a.lastActivity / 1000, l)
    }
    for (const [name, read] of a.gauges) {
      let value: number
      try {
        value = read()
      } catch {
        continue
      }
      // An actor's own gauges (queue_depth, subscribers, …) become fluxgate_<actor>_<gauge>.
      ex.add(sanitizeName(`fluxgate_${a.name}_${name}`), "gauge", `${a.name} gauge ${name}`, value)
    }
  }
}

/** Render the whole exposition for this process. */
export const scrape = Effect.gen(function*() {
  const config = yield* AppConfig
  const registry = yield* ActorRegistry
  const broker = yield* Broker
  const tracing = yield* Tracing
  const lifecycle = yield* Lifecycle
  const k = keys(config.keyPrefix)
  const ex = new Exposition()
  ex.add("fluxgate_build_info", "gauge", "always 1; labels describe the process", 1, {
    version: VERSION, runtime: lifecycle.runtime, instance_id: config.instanceId, roles: config.roles.join(",")
  })
  ex.add("fluxgate_process_uptime_seconds", "gauge", "seconds since the process started", (Date.now() - lifecycle.startedAt) / 1000)
  actorMetrics(ex, registry, config.actorStuckMs)

  const roles = new Set<string>(config.roles)
  const ping = yield* bounded(broker.diagnostics)
  ex.add("fluxgate_broker_up", "gauge", "1 when the broker answered this scrape", ping._tag === "Some" ? 1 : 0, { backend: broker.backend })
  if (ping._tag === "Some" && (roles.has("collector") || roles.has("distributor"))) {
    const stream = k.stream(config.streamName)
    const [info, dead, group] = yield* Effect.all([
      bounded(broker.streamInfo(stream)),
      bounded(broker.streamInfo(k.deadStream(config.streamName))),
      bounded(broker.groupInfo(stream, config.consumerGroup))
    ], { concurrency: "unbounded" })
    const sl = { stream: config.streamName }
    if (info._tag === "Some") ex.add("fluxgate_stream_length", "gauge", "entries in the log stream", info.value.length, sl)
    if (dead._tag === "Some") ex.add("fluxgate_stream_dead_length", "gauge", "entries in <stream>:dead", dead.value.length, sl)
    if (group._tag === "Some") {
      const gl = { ...sl, group: config.consumerGroup }
      ex.add("fluxgate_stream_consumer_lag", "gauge", "entries not yet delivered to the consumer group", group.value.lag, gl)
      ex.add("fluxgate_stream_pending", "gauge", "entries delivered to the group but not acknowledged", group.value.pending, gl)
      ex.add("fluxgate_stream_pending_oldest_age_seconds", "gauge", "idle time of the oldest unacknowledged entry", (group.value.oldestPendingIdleMs ?? 0) / 1000, gl)
      ex.add("fluxgate_stream_consumers", "gauge", "consumers in the group", group.value.consumers.length, gl)
    }
  }
  if (ping._tag === "Some" && (roles.has("worker") || roles.has("tasks"))) {
    const queues = [...new Set([...config.workerQueues, config.queueName, config.taskQueue])]
    const depths = yield* Effect.forEach(queues, (q) =>
      Effect.all([bounded(broker.listLength(k.queue(q))), bounded(broker.sortedCount(k.delayed(q))), bounded(broker.listLength(k.dead(q)))]), {
      concurrency: 4
    })
    queues.forEach((queue, i) => {
      const [ready, delayed, dead] = depths[i]
      if (ready._tag === "Some") ex.add("fluxgate_queue_depth", "gauge", "tasks waiting in a queue, by state", ready.value, { queue, state: "ready" })
      if (delayed._tag === "Some") ex.add("fluxgate_queue_depth", "gauge", "tasks waiting in a queue, by state", delayed.value, { queue, state: "delayed" })
      if (dead._tag === "Some") ex.add("fluxgate_queue_dead_letters", "gauge", "tasks in the queue's dead list", dead.value, { queue })
    })
  }

  const idx = tracing.index.stats()
  ex.add("fluxgate_trace_spans_recorded_total", "counter", "spans recorded into the in-memory trace buffer", tracing.buffer.added())
  ex.add("fluxgate_trace_buffer_capacity_spans", "gauge", "TRACE_BUFFER_SPANS", tracing.buffer.capacity)
  ex.add("fluxgate_trace_buffer_kept_ratio", "gauge", "fraction of new unshared traces the buffer keeps (1 below TRACE_BUFFER_TRACES_PER_S)", tracing.keptFraction())
  ex.add("fluxgate_trace_index_spans_written_total", "counter", "spans written to the shared trace index", idx.written)
  ex.add("fluxgate_trace_index_spans_dropped_total", "counter", "spans not shared because the index queue was full", idx.dropped)
  ex.add("fluxgate_trace_index_spans_failed_total", "counter", "spans whose index write failed", idx.failed)

  ex.addEffectMetrics(Metric.unsafeSnapshot(), "fluxgate_")
  return ex.render()
})
