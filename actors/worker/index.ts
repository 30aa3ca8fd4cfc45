/**
 * @module worker — the worker actor (role `worker`): serves the queues in
 * WORKER_QUEUES (default QUEUE_NAME and TASK_QUEUE) with WORKER_CONCURRENCY
 * tasks in flight per queue, with reliable fetch, heartbeats, a reaper for dead
 * workers' items, retries through a delayed set and a capped dead list.
 *
 * Shutdown order (scope finalizers run in reverse): fetch loops stop leasing,
 * in-flight attempts are interrupted and hand their items back without counting
 * an attempt, whatever is still on this worker's processing lists is returned,
 * and the worker deregisters and drops its heartbeat.
 */
import { Effect, FiberSet, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { supervise } from "../../src/actor/supervise.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { AppConfig } from "../../src/config.ts"
import { beat, fetchOnce, jitter, makeSlots, promoteOnce, reapOnce, reclaimConsumer, type Slots } from "./consumer.ts"
import { makeCompleter, type Completer } from "./completer.ts"
import type { LeaseContext } from "./lease.ts"
import { register } from "./scripts/index.ts"

export { defineHandler, taskHandlers, type TaskHandler } from "./handlers.ts"

/** The worker actor's Layer. */
export const WorkerLive = Layer.scopedDiscard(Effect.gen(function*() {
  const broker = yield* Broker
  const config = yield* AppConfig
  const registry = yield* ActorRegistry
  const k = keys(config.keyPrefix)
  const queues = [...new Set(config.workerQueues)]
  // Unique per process: a restarted worker with the same INSTANCE_ID must not adopt a dead one's list as "alive".
  const consumer = `${config.instanceId}:${randomUUID().slice(0, 8)}`
  const ctx: LeaseContext = { broker, config, keys: k, consumer }
  const ttl = config.workerHeartbeatTtlMs

  // Registration: heartbeat first, so a reaper never sees us listed without one.
  yield* Effect.acquireRelease(
    beat(ctx).pipe(
      Effect.zipRight(Effect.forEach(queues, (q) => broker.run(register, [k.consumers(q)], ["add", consumer]), { discard: true }))
    ),
    () =>
      Effect.forEach(queues, (q) => reclaimConsumer(ctx, q, consumer), { discard: true }).pipe(
        Effect.zipRight(Effect.forEach(queues, (q) => broker.run(register, [k.consumers(q)], ["remove", consumer]), { discard: true })),
        Effect.zipRight(broker.delete([k.heartbeat(consumer)])),
        Effect.catchAll((e) => Effect.logError("worker:deregister-failed", { error: e.message })),
        Effect.annotateLogs({ actor: "worker" })
      )
  )

  // Completers before the FiberSet: scopes close in reverse, so while in-flight attempts are
  // interrupted at shutdown the flushers still record the successes they already produced.
  const completers = new Map<string, Completer>()
  for (const q of queues) {
    const completer = yield* makeCompleter(broker, k, k.processing(q, consumer), config.taskTtlS * 1000, config.instanceId)
    completers.set(q, completer)
    // Added before the flusher is forked, so it runs after the flusher stops.
    yield* Effect.addFinalizer(() => completer.drain)
    yield* supervise("worker", `complete:${q}`, completer.flushOnce)
  }
  const fibers = yield* FiberSet.make<void, never>()
  const slots = new Map<string, Slots>()
  for (const q of queues) slots.set(q, yield* makeSlots)
  const status = registry.actor("worker")
  status.gauges.set("in_flight", () => [...slots.values()].reduce((n, s) => n + s.inFlight, 0))
  status.gauges.set("concurrency_per_queue", () => config.workerConcurrency)

  yield* supervise("worker", "heartbeat", beat(ctx).pipe(Effect.zipRight(Effect.sleep(Math.max(50, Math.floor(ttl / 3))))))
  yield* supervise("worker", "reaper", jitter(ttl / 2, ttl).pipe(Effect.zipRight(reapOnce(ctx, queues))))
  const promoteEvery = Math.min(1_000, Math.max(25, Math.floor(config.taskBackoffMs / 2)))
  yield* supervise("worker", "promoter", jitter(promoteEvery / 2, promoteEvery).pipe(Effect.zipRight(promoteOnce(ctx, queues))))
  for (const q of queues) {
    const fiber = `fetch:${q}`
    const s = slots.get(q)
    const completer = completers.get(q)
    if (s && completer) yield* supervise("worker", fiber, fetchOnce(ctx, q, s, completer, fibers, fiber))
  }
  yield* Effect.logInfo("worker:started", { consumer, queues: queues.join(","), concurrency: config.workerConcurrency })
}).pipe(Effect.annotateLogs({ actor: "worker" })))
