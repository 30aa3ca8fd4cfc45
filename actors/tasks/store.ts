/**
 * @module tasks/store — what the task API does to Redis: create and queue a
 * task, read, list, retry and delete records, and summarize queues. The
 * worker's scripts (actors/worker/scripts) keep the two sides consistent.
 */
import { Cause, Effect, Exit, Fiber, Option } from "effect"
import type { BrokerService } from "../../src/broker/Broker.ts"
import type { Keys } from "../../src/broker/keys.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { TaskConflict, TaskNotFound, type StreamUnavailable } from "../../src/errors.ts"
import { createMany, createTask, deleteTask, pushBatch, queueState, requeueDead, updateTask } from "../worker/scripts/index.ts"
import { currentTraceparent } from "../../src/telemetry/traceparent.ts"
import { batchEnvelopes, currentError, encodeEnvelope, envelopeOfRecord, flat, newRecordFields, newTaskId, sharedRecordFields, TASK_INDEX_MAX, type Envelope } from "../worker/task.ts"
import { createManyArgv, type CreateItem } from "../worker/scripts/createMany.ts"

export interface StoreContext {
  readonly broker: BrokerService
  readonly config: AppConfigShape
  readonly keys: Keys
}

/**
 * Create the record (once per idempotency key), then queue the envelope. If
 * queueing fails the record and key are removed, so a 503 leaves nothing behind.
 */
export const enqueueTask = (
  ctx: StoreContext,
  request: { readonly queue: string; readonly type: string; readonly payload: unknown; readonly maxAttempts?: number; readonly idempotencyKey?: string }
) =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    const now = Date.now()
    // The request's trace travels with the task: the worker's attempt continues it.
    const traceparent = yield* currentTraceparent
    const envelope: Envelope = { id: newTaskId(), type: request.type, payload: request.payload ?? null, created_at: now, traceparent }
    const fields = newRecordFields(envelope, {
      queue: request.queue,
      maxAttempts: request.maxAttempts ?? config.taskMaxAttempts,
      initiatedBy: config.instanceId,
      idempotencyKey: request.idempotencyKey
    })
    const idem = request.idempotencyKey
    const reply = yield* broker.run(createTask, [k.idempotency(idem ?? envelope.id), k.task(envelope.id), k.taskIndex()], [
      idem === undefined ? "0" : "1", String(config.taskTtlS * 1000), envelope.id, ...flat(fields)
    ])
    const [created, id] = Array.isArray(reply) ? [Number(reply[0]), String(reply[1])] : [0, ""]
    if (created !== 1) return { taskId: id, created: false }
    yield* broker.push(k.queue(request.queue), [encodeEnvelope(envelope)]).pipe(
      Effect.tapError(() =>
        broker.delete([k.task(envelope.id), ...(idem === undefined ? [] : [k.idempotency(idem)])]).pipe(Effect.ignore)
      )
    )
    return { taskId: envelope.id, created: true }
  })

/**
 * Run `effects` concurrently, each in a fiber forked in order: every fiber
 * sends its command before it yields, so the commands go out in that order.
 * Waits for all of them (a failed batch is cleaned up only once every command
 * was answered) and returns their exits. Plain forks rather than
 * `Effect.all({ concurrency: "unbounded" })`: over the same commands that cost
 * ≈ 1–1.5 µs more CPU per enqueued task, ≈ 10% of the enqueue rate.
 */
const inOrder = (effects: ReadonlyArray<Effect.Effect<unknown, StreamUnavailable>>) =>
  Effect.gen(function*() {
    const fibers: Array<Fiber.RuntimeFiber<unknown, StreamUnavailable>> = []
    for (const effect of effects) fibers.push(yield* Effect.fork(effect))
    const exits: Array<Exit.Exit<unknown, StreamUnavailable>> = []
    for (const fiber of fibers) exits.push(yield* Fiber.await(fiber))
    return exits
  })

/** The first failure among `exits`, if any. */
const firstFailure = (exits: ReadonlyArray<Exit.Exit<unknown, StreamUnavailable>>) => exits.find(Exit.isFailure)

/** pushBatch's refusal: some record of the batch did not exist (yet) when it ran. */
const isIncomplete = (exit: Exit.Exit<unknown, StreamUnavailable>) =>
  Exit.isFailure(exit) && Option.exists(Cause.failureOption(exit.cause), (e) => e.message.includes("INCOMPLETE batch"))

/** Records per `createMany` call of a bulk enqueue (see enqueueTasks). */
const CREATE_SLICE = 250
/**
 * The first slice of a bulk enqueue is shorter: until it arrives Redis has
 * nothing of the batch to do, and every later slice is encoded while Redis
 * stores the one before.
 */
const FIRST_SLICE = 50

/**
 * Queue many tasks of one queue at once (no idempotency keys): the records in
 * `createMany` calls of CREATE_SLICE (the first of FIRST_SLICE; four
 * arguments per record), then every envelope in one push.
 *
 * Each slice goes out as soon as it is encoded (Redis creates slice i while
 * this process encodes slice i + 1). A worker must never see an envelope
 * before its record exists. On standalone Redis (and embedded) the push is
 * `pushBatch`, sent right behind the slices on the same connection: each slice
 * counts its records into the batch's counter as its last write, and the push
 * queues the envelopes only if the count is complete, so it needs no reply
 * first (encoding and sending the ≈ 150 KB push of a 1,000-task batch, with
 * Redis idle, was ≈ 1.7–2 ms of its ≈ 10). Order alone would not do: a
 * slice whose EVALSHA finds no script (the first enqueue after Redis started,
 * or after SCRIPT FLUSH) is sent again as EVAL behind the push; the push then
 * finds the batch incomplete and is sent once more after every slice answered.
 * In a cluster the counter and the queue live in different slots: the push is
 * a plain LPUSH sent after every slice answered (one round trip per call).
 *
 * A 503 leaves nothing that says `queued`: on any failure the batch's records
 * are deleted once every command of the batch was answered (best effort;
 * otherwise they expire with TASK_TTL_S). Envelopes
 * that were queued anyway (the push landed but its reply was lost) are
 * orphans, which workers drop without running (startMany, finishMany: no record).
 */
export const enqueueTasks = (
  ctx: StoreContext,
  queue: string,
  requests: ReadonlyArray<{ readonly type: string; readonly payload: unknown; readonly maxAttempts?: number | undefined }>
) =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    if (requests.length === 0) return []
    const now = Date.now()
    // The request's trace travels with every task of the batch, as with a single /task.
    const traceparent = yield* currentTraceparent
    const shared = flat(sharedRecordFields(queue, config.instanceId, now, traceparent))
    const ids: Array<string> = new Array(requests.length)
    const envelopes: Array<string> = new Array(requests.length)
    const envelopeOf = batchEnvelopes(now, traceparent)
    const counter = k.taskBatch(newTaskId())
    // Encoding happens inside each slice's effect, so it overlaps Redis working on the slice before.
    const createSlice = (from: number, to: number) =>
      Effect.suspend(() => {
        const items: Array<CreateItem> = []
        for (let i = from; i < to; i++) {
          const r = requests[i]
          const id = newTaskId()
          const payloadJson = JSON.stringify(r.payload ?? null)
          ids[i] = id
          items.push({ id, type: r.type, payloadJson, maxAttempts: r.maxAttempts ?? config.taskMaxAttempts })
          envelopes[i] = envelopeOf(id, r.type, payloadJson)
        }
        return broker.run(createMany, [k.taskIndex(), k.taskTemplate(), counter], createManyArgv(config.taskTtlS * 1000, k.task(""), shared, items))
      })
    const slices: Array<Effect.Effect<unknown, StreamUnavailable>> = []
    // A short first slice: Redis waits for nothing but it (see FIRST_SLICE).
    for (let from = 0; from < requests.length;) {
      const to = Math.min(from + (from === 0 ? FIRST_SLICE : CREATE_SLICE), requests.length)
      slices.push(createSlice(from, to))
      from = to
    }
    // Read when it runs: the slices fill `ids` as they encode.
    const cleanUp = Effect.suspend(() => broker.delete([...ids.filter((id) => id !== undefined).map((id) => k.task(id)), counter])).pipe(Effect.ignore)
    // The first failure of the batch, or the push's success.
    const outcome: Exit.Exit<unknown, StreamUnavailable> = broker.mode === "cluster"
      ? yield* Effect.gen(function*() {
        const failed = firstFailure(yield* inOrder(slices))
        if (failed !== undefined) return failed
        // The slices counted their records here too, but only pushBatch reads the count: it goes with the push.
        const [pushed] = yield* inOrder([Effect.suspend(() => broker.push(k.queue(queue), envelopes)), Effect.ignore(broker.delete([counter]))])
        return pushed
      })
      : yield* Effect.gen(function*() {
        const push = Effect.suspend(() => broker.run(pushBatch, [counter, k.queue(queue)], [String(requests.length), ...envelopes]))
        const exits = yield* inOrder([...slices, push])
        const failed = firstFailure(exits.slice(0, -1))
        if (failed !== undefined) return failed
        const pushed = exits[exits.length - 1]
        // Every slice answered and created its records by now: a push that came too early can go again.
        return isIncomplete(pushed) ? yield* Effect.exit(push) : pushed
      })
    if (Exit.isFailure(outcome)) {
      yield* cleanUp
      return yield* Effect.failCause(outcome.cause)
    }
    return ids
  })

/**
 * A task record with its `task_id`, or TaskNotFound. The id is the key's suffix
 * and is not stored in the hash (records written before this carry it too).
 */
export const getRecord = (ctx: StoreContext, id: string) =>
  Effect.flatMap(ctx.broker.hashGet(ctx.keys.task(id)), (record) =>
    record === null || record.status === undefined ? Effect.fail(new TaskNotFound({ taskId: id })) : Effect.succeed<Record<string, string>>({ ...record, task_id: id }))

/** Records newest first matching the filters, from the index's TASK_INDEX_MAX newest ids (ids whose record expired are skipped). */
export const listRecords = (
  ctx: StoreContext,
  filter: { readonly status?: string; readonly type?: string; readonly q?: string; readonly limit: number }
) =>
  Effect.gen(function*() {
    const { broker, keys: k } = ctx
    const out: Array<Record<string, string>> = []
    const page = Math.max(50, Math.min(500, filter.limit * 2))
    const q = filter.q?.toLowerCase()
    for (let offset = 0; offset < TASK_INDEX_MAX && out.length < filter.limit; offset += page) {
      const ids = yield* broker.listRange(k.taskIndex(), offset, Math.min(offset + page, TASK_INDEX_MAX) - 1)
      if (ids.length === 0) break
      const records = yield* broker.hashGetMany(ids.map((id) => k.task(id)))
      for (let i = 0; i < records.length; i++) {
        const stored = records[i]
        if (stored === null || out.length >= filter.limit) continue
        const r: Record<string, string> = { ...stored, task_id: ids[i] }
        if (filter.status !== undefined && r.status !== filter.status) continue
        if (filter.type !== undefined && r.type !== filter.type) continue
        if (q !== undefined && !r.task_id.toLowerCase().includes(q) && !(currentError(r) ?? "").toLowerCase().includes(q)) continue
        out.push(r)
      }
      if (ids.length < page) break
    }
    return out
  })

/** Dead (failed) → queued with a fresh set of attempts. Anything else is a 409. */
export const retryTask = (ctx: StoreContext, id: string) =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    const record = yield* getRecord(ctx, id)
    if (record.status !== "failed") {
      return yield* new TaskConflict({ message: `task ${id} is ${record.status}; only failed (dead) tasks can be retried`, taskId: id })
    }
    const reply = yield* broker.run(updateTask, [k.task(id)], [
      String(config.taskTtlS * 1000), "failed",
      ...flat({ status: "queued", attempts: "0", error: "", note: "", dead_entry: "", updated_at: String(Date.now()) })
    ])
    if (!Array.isArray(reply) || Number(reply[0]) !== 1) {
      return yield* new TaskConflict({ message: `task ${id} changed while retrying it`, taskId: id })
    }
    const queue = record.queue ?? config.taskQueue
    yield* broker.run(requeueDead, [k.dead(queue), k.queue(queue)], [record.dead_entry ?? "", envelopeOfRecord(record)])
    return { task_id: id, status: "queued" as const }
  })

/** Delete a record (and its queue item, if any); running tasks are a 409. */
export const deleteRecord = (ctx: StoreContext, id: string) =>
  Effect.gen(function*() {
    const { broker, keys: k } = ctx
    // Read first: the queued string is rebuilt from the record (see envelopeOfRecord).
    const record = yield* getRecord(ctx, id)
    const reply = yield* broker.run(deleteTask, [k.task(id), k.taskIndex()], [id])
    const [code, status, queue, , deadEntry] = Array.isArray(reply) ? reply.map(String) : ["0"]
    const envelope = envelopeOfRecord(record)
    if (code === "0") return yield* new TaskNotFound({ taskId: id })
    if (code === "-1") return yield* new TaskConflict({ message: `task ${id} is running; delete it once it has finished`, taskId: id })
    if (queue !== "" && envelope !== "") {
      // Best effort: a worker that leases it anyway finds no record and drops it.
      yield* broker.remove(k.queue(queue), envelope)
      yield* broker.sortedRemove(k.delayed(queue), [envelope])
      if (deadEntry !== "") yield* broker.remove(k.dead(queue), deadEntry)
    }
    return { task_id: id, deleted: true, status }
  })

/** Per queue: ready, running (on processing lists), delayed, dead, oldest ready age, dead cap reached, workers listed. */
export const queueSummary = (ctx: StoreContext, queue: string) =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    const reply = yield* broker.run(queueState, [k.queue(queue), k.consumers(queue), k.delayed(queue), k.dead(queue)], [])
    const [ready, oldest, delayed, dead, consumers] = Array.isArray(reply) ? reply : [0, "", 0, 0, []]
    const names = Array.isArray(consumers) ? consumers.map(String) : []
    const lengths = yield* Effect.forEach(names, (c) => broker.listLength(k.processing(queue, c)))
    let oldestAgeMs: number | null = null
    if (typeof oldest === "string" && oldest !== "") {
      try {
        const created = (JSON.parse(oldest) as { created_at?: unknown }).created_at
        if (typeof created === "number") oldestAgeMs = Math.max(0, Date.now() - created)
      } catch {
        // a raw producer's item carries no time
      }
    }
    return {
      queue,
      ready: Number(ready),
      running: lengths.reduce((a, b) => a + b, 0),
      delayed: Number(delayed),
      dead: Number(dead),
      dead_max: config.deadLetterMax,
      dead_cap_reached: Number(dead) >= config.deadLetterMax,
      oldest_ready_age_ms: oldestAgeMs,
      workers: names.length
    }
  })
