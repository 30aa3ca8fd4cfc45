/**
 * @module worker/consumer — the loops of one worker process: fetch (per queue),
 * heartbeat, reaper and promoter.
 *
 * Fetch keeps up to WORKER_CONCURRENCY items of a queue in flight. When work is
 * waiting it leases in batches (`leaseBatch`, one script call for many moves);
 * only when the queue is empty does it block on one `lease` (BLMOVE).
 * One blocking move per job is barely faster than BullMQ (STACK.md); batches
 * are what make the list queue fast: per batch, one `leaseBatch`, one
 * `startMany` (none for pure tasks: worker/direct) and (via the completer) one
 * `finishMany` and one `ackMany`.
 *
 * Recovery: every worker refreshes a heartbeat key (TTL WORKER_HEARTBEAT_TTL_MS)
 * and is listed in each queue's consumer set. Any live worker's reaper, at a
 * jittered interval in [TTL/2, TTL], returns the processing list of every
 * listed consumer whose heartbeat has expired to the tail of the queue (served
 * next). Documented bound: a `kill -9`ed worker's heartbeat is gone at most TTL
 * after its last refresh, and some live worker sweeps within TTL after that, so
 * its tasks are back on the queue within 2 × TTL of the kill (20 s by default)
 * and finish after their own run time (test/tasks/tasks.processes.test.ts
 * checks this with TTL = 1 s). An attempt cut short by a crash is not counted
 * (only attempts that end are); a task that crashes its worker every time is
 * therefore retried on every recovery — watch `task:recovered` in the logs.
 * The reaper trusts the heartbeat: a worker frozen longer than TTL (e.g. a
 * long GC pause) loses its items to others and may run them twice
 * (at-least-once); `startMany` never re-runs a task already recorded finished.
 */
import { Effect, FiberSet, Queue } from "effect"
import type { ActorRegistry } from "../../src/actor/registry.ts"
import type { HandlerRequirements } from "./handlers.ts"
import type { Completer } from "./completer.ts"
import { runDirect, runsDirect } from "./direct.ts"
import { handBackAll, parseLeased, runBatch, startBatch, type LeaseContext, type LeasedItem } from "./lease.ts"
import { leaseBatch, promoteDue, queueState, reclaim } from "./scripts/index.ts"

/** How long an idle fetch blocks before looking again (also bounds how stale `in_flight` can look). */
const IDLE_BLOCK_MS = 1_000
/** Longest a busy fetch waits for more free slots before leasing what fits. */
const GATHER_MS = 2
/** Most items one leaseBatch asks for. */
const BATCH_MAX = 64
/** Most items one reclaim / promote call moves. */
const MOVE_MAX = 500

/** Slots in use for one queue, and a signal when one frees. */
export interface Slots {
  inFlight: number
  readonly freed: Queue.Queue<void>
}

export const makeSlots = Effect.map(Queue.sliding<void>(1), (freed): Slots => ({ inFlight: 0, freed }))

/** One fetch iteration for `queue`: wait for a free slot, lease a batch, mark it running, fork the attempts into `fibers`. */
export const fetchOnce = (
  ctx: LeaseContext,
  queue: string,
  slots: Slots,
  completer: Completer,
  fibers: FiberSet.FiberSet<void, never>,
  fiber: string
): Effect.Effect<void, unknown, HandlerRequirements | ActorRegistry> =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    while (slots.inFlight >= config.workerConcurrency) yield* Queue.take(slots.freed)
    // Under load slots free one at a time; leasing each alone would cost two commands per task.
    // Wait briefly (≤ GATHER_MS) for a quarter of them, so busy queues lease in batches.
    const enough = config.workerConcurrency - Math.max(1, Math.floor(config.workerConcurrency / 4))
    if (slots.inFlight > enough) {
      const gathered = Effect.gen(function*() {
        while (slots.inFlight > enough) yield* Queue.take(slots.freed)
      })
      yield* Effect.raceFirst(gathered, Effect.sleep(GATHER_MS))
    }
    const free = Math.min(BATCH_MAX, config.workerConcurrency - slots.inFlight)
    const processing = k.processing(queue, ctx.consumer)
    const reply = yield* broker.run(leaseBatch, [k.queue(queue), processing], [String(free)])
    let items = Array.isArray(reply) ? reply.map(String) : []
    if (items.length === 0) {
      const one = yield* broker.lease(k.queue(queue), processing, IDLE_BLOCK_MS)
      items = one === null ? [] : [one]
    }
    if (items.length === 0) return
    // Slots are taken before any Redis call so a slow start cannot over-lease.
    slots.inFlight += items.length
    // Wake the fetch loop only when it can act: the first free slot, or enough for a batch.
    const releaseMany = (n: number) =>
      Effect.suspend(() => {
        const before = slots.inFlight
        slots.inFlight -= n
        const firstFree = before >= config.workerConcurrency && slots.inFlight < config.workerConcurrency
        return firstFree || slots.inFlight <= enough ? Queue.offer(slots.freed, undefined) : Effect.void
      })
    const direct: Array<LeasedItem> = []
    const others: Array<LeasedItem> = []
    for (const item of parseLeased(items)) (runsDirect(item) ? direct : others).push(item)
    if (direct.length > 0) {
      yield* FiberSet.run(fibers, runDirect(ctx, queue, direct, completer, fiber).pipe(Effect.ignore, Effect.ensuring(releaseMany(direct.length))))
      if (others.length === 0) return
    }
    const started = yield* startBatch(ctx, queue, others).pipe(
      Effect.onError(() =>
        Effect.sync(() => void (slots.inFlight -= others.length)).pipe(
          // Best effort: put the batch back rather than strand it on our processing list until we stop.
          Effect.zipRight(handBackAll(ctx, queue, others)),
          Effect.ignore
        )
      )
    )
    slots.inFlight -= others.length - started.length
    if (started.length === 0) return
    yield* FiberSet.run(fibers, runBatch(ctx, queue, started, completer, fiber, releaseMany))
  })

/** Refresh this worker's heartbeat. */
export const beat = (ctx: LeaseContext) =>
  ctx.broker.setValue(ctx.keys.heartbeat(ctx.consumer), String(Date.now()), { ttlMs: ctx.config.workerHeartbeatTtlMs })

/** Return everything on `consumer`'s processing list for `queue` to the queue. Returns how many moved. */
export const reclaimConsumer = (ctx: LeaseContext, queue: string, consumer: string) =>
  Effect.gen(function*() {
    const { broker, keys: k } = ctx
    let total = 0
    for (let round = 0; round < 1000; round++) {
      const reply = yield* broker.run(reclaim, [k.processing(queue, consumer), k.queue(queue), k.consumers(queue)], [consumer, String(MOVE_MAX)])
      const [moved, left] = Array.isArray(reply) ? reply.map(Number) : [0, 0]
      total += moved
      if (left === 0 || moved === 0) break
    }
    return total
  })

/** The consumers listed for `queue`. */
export const consumersOf = (ctx: LeaseContext, queue: string) =>
  Effect.map(
    ctx.broker.run(queueState, [ctx.keys.queue(queue), ctx.keys.consumers(queue), ctx.keys.delayed(queue), ctx.keys.dead(queue)], []),
    (reply) => (Array.isArray(reply) && Array.isArray(reply[4]) ? reply[4].map(String) : [])
  )

/** One reaper sweep over every queue: recover consumers whose heartbeat expired. */
export const reapOnce = (ctx: LeaseContext, queues: ReadonlyArray<string>) =>
  Effect.forEach(queues, (queue) =>
    Effect.gen(function*() {
      for (const consumer of yield* consumersOf(ctx, queue)) {
        if (consumer === ctx.consumer) continue
        const alive = yield* ctx.broker.getValue(ctx.keys.heartbeat(consumer))
        if (alive !== null) continue
        // Not a handleMessage: the actor's handled/failed counts are task attempts only.
        const moved = yield* reclaimConsumer(ctx, queue, consumer)
        if (moved > 0) yield* Effect.logWarning("task:recovered", { queue, consumer, tasks: moved })
      }
    }), { discard: true })

/** Move due retries back onto their queues. */
export const promoteOnce = (ctx: LeaseContext, queues: ReadonlyArray<string>) =>
  Effect.forEach(queues, (queue) =>
    Effect.gen(function*() {
      for (let round = 0; round < 100; round++) {
        const moved = Number(yield* ctx.broker.run(promoteDue, [ctx.keys.delayed(queue), ctx.keys.queue(queue)], [String(Date.now()), String(MOVE_MAX)]))
        if (moved < MOVE_MAX) break
      }
    }), { discard: true })

/** A random delay in [min, max] ms, so replicas don't sweep in step (STYLE item 12). */
export const jitter = (minMs: number, maxMs: number) => Effect.sleep(Math.round(minMs + Math.random() * (maxMs - minMs)))
