/**
 * @module worker/lease — leased queue items, start to finish. The attempt's
 * `Exit` decides what happens to the item (STYLE item 11):
 * success → record `succeeded`, item off the processing list (group-committed
 * by the completer); failure → `attempts + 1` and a jittered exponential retry
 * via the delayed set, or the dead list once attempts reach the task's maximum
 * or the handler said `PermanentFailure`; interruption only (shutdown) → the
 * item goes back to the front of its queue and no attempt is counted.
 * The record is always written before the item moves, so a crash in between
 * leaves the item where recovery finds it and `startMany` skips finished tasks.
 */
import { Cause, Effect, Either, Exit, Fiber, Option, ParseResult, Schedule, Schema } from "effect"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { handleMessage } from "../../src/actor/supervise.ts"
import type { BrokerService } from "../../src/broker/Broker.ts"
import { hashTagOf, type Keys } from "../../src/broker/keys.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { PermanentFailure, type StreamUnavailable } from "../../src/errors.ts"
import { Metrics, record } from "../../src/telemetry/metrics.ts"
import { externalParent, withSampledTrace } from "../../src/telemetry/traceparent.ts"
import type { Completer } from "./completer.ts"
import { fastDecoder, PAYLOAD_PARSE_OPTIONS } from "./fastDecoder.ts"
import { handlerFor, type HandlerRequirements, type TaskHandler } from "./handlers.ts"
import { ackMany, bury, handBack, retryLater, startMany, updateTask } from "./scripts/index.ts"
import { ackManyArgv } from "./scripts/ackMany.ts"
import { classify, encodeEnvelope, flat, newRecordFields, type Envelope, type Leased } from "./task.ts"

/** Who is leasing, and where its items sit while they run. */
export interface LeaseContext {
  readonly broker: BrokerService
  readonly config: AppConfigShape
  readonly keys: Keys
  /** This worker's consumer name (unique per process). */
  readonly consumer: string
}

/** A leased item, parsed once (a raw item's new task id is drawn then). */
export interface LeasedItem {
  readonly raw: string
  readonly leased: Leased
}

/** Parse leased strings. */
export const parseLeased = (raws: ReadonlyArray<string>, now = Date.now()): Array<LeasedItem> =>
  raws.map((raw) => ({ raw, leased: classify(raw, now) }))

/** Put leased items back on their queue (best effort, e.g. after their start failed), rather than strand them on our processing list until we stop. */
export const handBackAll = (ctx: LeaseContext, queue: string, items: ReadonlyArray<LeasedItem>) =>
  Effect.forEach(items, ({ raw }) => ctx.broker.run(handBack, [ctx.keys.processing(queue, ctx.consumer), ctx.keys.queue(queue)], [raw, raw]), { discard: true })

/** A leased item whose record now says `running`. */
export interface Started {
  readonly raw: string
  readonly envelope: Envelope
  /** The envelope as retries and hand-backs queue it (for raw items: with the id just assigned). */
  readonly envelopeText: string
  readonly attempt: number
  readonly maxAttempts: number
}

/** Jittered exponential backoff for attempt `n` (1-based): base·2^(n−1), capped, times a factor in [0.5, 1). */
export const backoffMs = (attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number =>
  Math.round(Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)) * (0.5 + random() / 2))

const describe = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === "object" && error !== null && "message" in error
    ? String(error.message)
    : String(error)

/** The result as stored on the record (JSON; something unserializable as its string). */
export const toJson = (value: unknown): string => {
  try {
    return JSON.stringify(value ?? null) ?? "null"
  } catch {
    return JSON.stringify(String(value))
  }
}

/**
 * Mark a leased batch running in one script call; items whose record is gone
 * (deleted, expired) or already finished (a duplicate after a recovery) are
 * acked and dropped here, never run.
 */
export const startBatch = (ctx: LeaseContext, queue: string, items: ReadonlyArray<LeasedItem>) =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    const now = Date.now()
    const index = k.taskIndex()
    const prefix = k.task("")
    // The script reaches the task keys through ARGV; they must share the index's cluster slot.
    if (hashTagOf(prefix) !== hashTagOf(index)) return yield* Effect.die(new Error(`task keys ${prefix}… are not in the slot of ${index}`))
    const startRows = items.map(({ leased }) =>
      leased.kind === "envelope"
        ? [leased.envelope.id]
        : [leased.envelope.id, ...flat(newRecordFields(leased.envelope, { queue, maxAttempts: config.taskMaxAttempts, initiatedBy: `producer:${queue}` }))])
    const argv = [String(now), String(config.taskTtlS * 1000), config.instanceId, prefix, JSON.stringify(startRows)]
    const reply = yield* broker.run(startMany, [index], argv)
    const codes = Array.isArray(reply) ? reply : []
    const started: Array<Started> = []
    const dropped: Array<string> = []
    items.forEach(({ raw, leased: item }, i) => {
      const row = codes[i]
      const [code, attempts, max] = Array.isArray(row) ? row.map(Number) : [-1, 0, 0]
      if (code !== 0) {
        dropped.push(raw)
        return
      }
      const envelopeText = item.kind === "raw" ? encodeEnvelope(item.envelope) : raw
      started.push({ raw, envelope: item.envelope, envelopeText, attempt: attempts + 1, maxAttempts: max })
    })
    if (dropped.length > 0) {
      yield* Effect.logInfo("task:dropped", { queue, count: dropped.length, reason: "record deleted, expired or already finished" })
      yield* broker.run(ackMany, [k.processing(queue, ctx.consumer)], ackManyArgv(dropped))
    }
    return started
  })

const decoders = new WeakMap<TaskHandler, (u: unknown) => Either.Either<unknown, ParseResult.ParseError>>()
/**
 * Built once per handler: making a decoder costs more than most decodes. Sync: handler schemas never need I/O.
 * Simple schemas try the plain-code path first (worker/fastDecoder); the full decoder decides the rest.
 */
const decoderFor = (handler: TaskHandler) => {
  let decode = decoders.get(handler)
  if (decode === undefined) {
    const full = Schema.decodeUnknownEither(handler.schema, PAYLOAD_PARSE_OPTIONS)
    const fast = fastDecoder(handler.schema)
    decode = fast === null ? full : (u) => {
      const value = fast(u)
      return value === undefined ? full(u) : Either.right(value)
    }
    decoders.set(handler, decode)
  }
  return decode
}

/** The payload decoded with its type's schema; an unknown type or a bad payload is a permanent failure. */
export const decodePayload = (envelope: Envelope): Either.Either<{ handler: TaskHandler; payload: unknown }, PermanentFailure> => {
  const handler = handlerFor(envelope.type)
  if (handler === undefined) return Either.left(new PermanentFailure({ message: `unknown task type "${envelope.type}"` }))
  const payload = decoderFor(handler)(envelope.payload)
  if (Either.isRight(payload)) return Either.right({ handler, payload: payload.right })
  const issues = ParseResult.ArrayFormatter.formatErrorSync(payload.left).map((i) => `${i.path.join(".") || "payload"}: ${i.message}`)
  return Either.left(new PermanentFailure({ message: `invalid ${envelope.type} payload: ${issues.join("; ")}` }))
}

const taskContext = (item: Started, queue: string, config: AppConfigShape) =>
  ({ taskId: item.envelope.id, attempt: item.attempt, maxAttempts: item.maxAttempts, queue, config })

/** Decode the payload and run the handler's Effect. */
const runHandler = (item: Started, queue: string, config: AppConfigShape) =>
  Either.match(decodePayload(item.envelope), {
    onLeft: (failure) => Effect.fail(failure),
    onRight: ({ handler, payload }) => handler.run(payload, taskContext(item, queue, config))
  })

/** Settle writes are retried briefly: a failure would strand the item on our processing list until we stop. */
const settleRetry = Schedule.exponential("100 millis", 2).pipe(Schedule.intersect(Schedule.recurs(6)))

/** What a failed or interrupted attempt does to the record and the item (successes go through the completer). */
const settleFailure = (ctx: LeaseContext, queue: string, item: Started, cause: Cause.Cause<unknown>): Effect.Effect<void, StreamUnavailable> => {
  const { broker, config, keys: k } = ctx
  const { envelope, raw, envelopeText, attempt } = item
  const processing = k.processing(queue, ctx.consumer)
  const update = (fields: Record<string, string>, onlyIf = "") =>
    broker.run(updateTask, [k.task(envelope.id)], [String(config.taskTtlS * 1000), onlyIf, ...flat({ ...fields, updated_at: String(Date.now()) })])
  if (Cause.isInterruptedOnly(cause)) {
    return update({ status: "queued" }, "running").pipe(
      Effect.zipRight(broker.run(handBack, [processing, k.queue(queue)], [raw, envelopeText])),
      Effect.zipRight(Effect.logInfo("task:handed-back", { task_id: envelope.id, queue })),
      Effect.asVoid
    )
  }
  const failure = Option.getOrElse(Cause.failureOption(cause), () => Cause.squash(cause))
  const error = describe(failure)
  const permanent = failure instanceof PermanentFailure
  if (permanent || attempt >= item.maxAttempts) {
    const deadEntry = JSON.stringify({ ...envelope, queue, error, attempts: attempt, failed_at: Date.now() })
    return Effect.gen(function*() {
      yield* update({ status: "failed", error, attempts: String(attempt), dead_entry: deadEntry, note: "" })
      const reply = yield* broker.run(bury, [processing, k.dead(queue)], [raw, deadEntry, String(config.deadLetterMax)])
      if (!(Array.isArray(reply) && Number(reply[1]) === 1)) {
        const note = `dead list ${queue} is full (DEAD_LETTER_MAX=${config.deadLetterMax}): this failed task is kept only as its record`
        yield* update({ dead_entry: "", note })
        yield* Effect.logError("task:dead-letter-cap-reached", { task_id: envelope.id, queue, cap: config.deadLetterMax })
      }
      yield* Metrics.task(queue, "failed")
      yield* Metrics.deadLetter(queue)
      yield* Effect.logWarning("task:dead", { task_id: envelope.id, queue, attempts: attempt, permanent })
    })
  }
  const due = Date.now() + backoffMs(attempt, config.taskBackoffMs, config.taskBackoffMaxMs)
  return update({ status: "retrying", error, attempts: String(attempt), next_attempt_at: String(due) }).pipe(
    Effect.zipRight(broker.run(retryLater, [processing, k.delayed(queue)], [raw, envelopeText, String(due)])),
    Effect.zipRight(Metrics.taskRetry(queue)),
    Effect.zipRight(Metrics.task(queue, "retrying")),
    Effect.asVoid
  )
}

/**
 * One attempt, settled by its exit. Never fails; Redis trouble while settling is logged. `failed` is told about failures.
 * The success path is one synchronous step (hand to the completer, count it): it runs once per task.
 */
const attemptOne = (ctx: LeaseContext, queue: string, item: Started, completer: Completer, failed: Effect.Effect<void>) =>
  Effect.suspend(() => {
    const startedAt = Date.now()
    // A task queued by a traced request continues that trace (span only when it is sampled: batches stay cheap).
    const attributes = { task_id: item.envelope.id, type: item.envelope.type, queue, attempt: item.attempt, instance_id: ctx.config.instanceId }
    return withSampledTrace("worker.attempt", item.envelope, attributes, runHandler(item, queue, ctx.config)).pipe(
      // onExit's finalizer is uninterruptible: a success already computed is recorded even during shutdown.
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.sync(() => {
            completer.complete({ raw: item.raw, taskId: item.envelope.id, result: toJson(exit.value), createdAt: item.envelope.created_at })
            record.taskSucceeded(queue, (Date.now() - startedAt) / 1000)
          })
          : settleAttempt(ctx, queue, item, exit.cause, failed, startedAt)
      )
    )
  })

/** Settle a failed or interrupted attempt (retried briefly; logged if Redis stays away) and count it. */
export const settleAttempt = (ctx: LeaseContext, queue: string, item: Started, cause: Cause.Cause<unknown>, failed: Effect.Effect<void>, startedAt: number) =>
  settleFailure(ctx, queue, item, cause).pipe(
    Effect.retry(settleRetry),
    Effect.catchAll((e) => Effect.logError("task:settle-failed", { task_id: item.envelope.id, queue, error: e.message })),
    Effect.zipRight(Cause.isInterruptedOnly(cause) ? Effect.void : failed),
    Effect.zipRight(Metrics.taskDuration(queue, Cause.isInterruptedOnly(cause) ? "interrupted" : "failed", (Date.now() - startedAt) / 1000))
  )

/**
 * Run a started batch, each attempt in its own fiber (a slow task never holds
 * up the others; `releaseMany(1)` runs as each one ends). Observability: one
 * attempt alone runs in its own `handleMessage` span; a batch runs in one
 * `handleMessage` span counted as `items.length` messages, with failed attempts
 * moved from handled to failed — a span per task would cost more CPU than the
 * whole rest of the task's path (measured: bench/tasks.ts). Pure-handler tasks
 * mostly never get here: they run directly from the lease (worker/direct).
 */
export const runBatch = (
  ctx: LeaseContext,
  queue: string,
  items: ReadonlyArray<Started>,
  completer: Completer,
  fiber: string,
  releaseMany: (n: number) => Effect.Effect<void>
): Effect.Effect<void, never, HandlerRequirements | ActorRegistry> =>
  Effect.flatMap(ActorRegistry, (registry) => {
    const waitsForPerson = { waitsForPerson: items.some((i) => handlerFor(i.envelope.type)?.waitsForPerson === true) }
    if (items.length === 1) {
      const item = items[0]
      return handleMessage("worker", fiber, "task", attemptOne(ctx, queue, item, completer, Effect.void), {
        task_id: item.envelope.id,
        type: item.envelope.type,
        queue,
        attempt: item.attempt
      }, 1, waitsForPerson).pipe(Effect.ignore, Effect.ensuring(releaseMany(1)))
    }
    const status = registry.actor("worker")
    const failed = Effect.sync(() => {
      status.handled--
      status.failed++
    })
    return handleMessage(
      "worker",
      fiber,
      "task",
      // One fork per attempt, then await them all (measured ≈ 3× cheaper than forEach "unbounded");
      // if the batch is interrupted (shutdown), every attempt is interrupted and awaited, so each hands back.
      Effect.flatMap(
        Effect.forEach(items, (item) =>
          Effect.fork(attemptOne(ctx, queue, item, completer, failed).pipe(Effect.ignore, Effect.ensuring(releaseMany(1))))),
        (fibers) => Effect.onInterrupt(Fiber.awaitAll(fibers), () => Fiber.interruptAll(fibers))
      ),
      { queue, tasks: items.length },
      items.length,
      waitsForPerson
    )
  })
