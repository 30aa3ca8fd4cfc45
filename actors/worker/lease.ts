/**
 * @module worker/lease — one leased queue item, start to finish. The attempt's
 * `Exit` decides what happens to the item (STYLE item 11):
 * success → record `succeeded`, item off the processing list;
 * failure → `attempts + 1` and a jittered exponential retry via the delayed set,
 * or the dead list once attempts reach the task's maximum or the handler said
 * `PermanentFailure`; interruption only (shutdown) → the item goes back to the
 * front of its queue and no attempt is counted.
 * The record is always written before the item moves, so a crash in between
 * leaves the item where recovery finds it and `startTask` skips finished tasks.
 */
import { Cause, Effect, Exit, Option, ParseResult, Schedule, Schema } from "effect"
import type { ActorRegistry } from "../../src/actor/registry.ts"
import { handleMessage } from "../../src/actor/supervise.ts"
import type { BrokerService } from "../../src/broker/Broker.ts"
import type { Keys } from "../../src/broker/keys.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { PermanentFailure, type StreamUnavailable } from "../../src/errors.ts"
import { Metrics } from "../../src/telemetry/metrics.ts"
import { withStoredTrace } from "../../src/telemetry/traceparent.ts"
import { handlerFor, type HandlerRequirements } from "./handlers.ts"
import { bury, handBack, retryLater, startTask, updateTask } from "./scripts/index.ts"
import { classify, encodeEnvelope, flat, newRecordFields, type Envelope } from "./task.ts"

/** Who is leasing, and where its items sit while they run. */
export interface LeaseContext {
  readonly broker: BrokerService
  readonly config: AppConfigShape
  readonly keys: Keys
  /** This worker's consumer name (unique per process). */
  readonly consumer: string
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

const toJson = (value: unknown): string => {
  try {
    return JSON.stringify(value ?? null) ?? "null"
  } catch {
    return JSON.stringify(String(value))
  }
}

/** Decode the payload with the type's schema and run it; unknown types and bad payloads are permanent failures. */
const runHandler = (envelope: Envelope, attempt: number, maxAttempts: number, queue: string, config: AppConfigShape) => {
  const handler = handlerFor(envelope.type)
  if (handler === undefined) {
    return Effect.fail(new PermanentFailure({ message: `unknown task type "${envelope.type}"` }))
  }
  return Schema.decodeUnknown(handler.schema, { errors: "all" })(envelope.payload).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => `${i.path.join(".") || "payload"}: ${i.message}`)
      return new PermanentFailure({ message: `invalid ${envelope.type} payload: ${issues.join("; ")}` })
    }),
    Effect.flatMap((payload) => handler.run(payload, { taskId: envelope.id, attempt, maxAttempts, queue, config }))
  )
}

/** Settle writes are retried briefly: a failure would strand the item on our processing list until we stop. */
const settleRetry = Schedule.exponential("100 millis", 2).pipe(Schedule.intersect(Schedule.recurs(6)))

/** Process one leased string from `queue`. Never fails; Redis trouble while settling is logged. */
export const processLeased = (
  ctx: LeaseContext,
  queue: string,
  raw: string,
  fiber: string
): Effect.Effect<void, never, HandlerRequirements | ActorRegistry> =>
  Effect.gen(function*() {
    const { broker, config, keys: k } = ctx
    const processing = k.processing(queue, ctx.consumer)
    const ttlMs = String(config.taskTtlS * 1000)
    const leased = classify(raw, Date.now())
    const envelope = leased.envelope
    const envelopeText = leased.kind === "raw" ? encodeEnvelope(envelope) : raw
    const taskKey = k.task(envelope.id)
    const update = (fields: Record<string, string>, onlyIf = "") =>
      broker.run(updateTask, [taskKey], [ttlMs, onlyIf, ...flat({ ...fields, updated_at: String(Date.now()) })])

    const createFields = leased.kind === "raw"
      ? flat(newRecordFields(envelope, { queue, maxAttempts: config.taskMaxAttempts, initiatedBy: `producer:${queue}` }))
      : []
    const started = yield* broker.run(startTask, [taskKey, k.taskIndex()], [
      String(Date.now()), ttlMs, config.instanceId, envelope.id, leased.kind === "raw" ? "1" : "0", ...createFields
    ])
    const [code, attemptsSoFar, maxAttempts] = Array.isArray(started) ? started.map(Number) : [-1, 0, 0]
    if (code !== 0) {
      // -1: deleted or expired; -2: already finished (a duplicate after a recovery). Never run it again.
      yield* Effect.logInfo(code === -1 ? "task:dropped" : "task:duplicate", { task_id: envelope.id, queue })
      yield* broker.remove(processing, raw)
      return
    }
    const attempt = attemptsSoFar + 1

    const settle = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void, StreamUnavailable> => {
      if (Exit.isSuccess(exit)) {
        return update({ status: "succeeded", result: toJson(exit.value), attempts: String(attempt), error: "" }).pipe(
          Effect.zipRight(broker.remove(processing, raw)),
          Effect.zipRight(Metrics.task(queue, "succeeded")),
          Effect.asVoid
        )
      }
      if (Cause.isInterruptedOnly(exit.cause)) {
        return update({ status: "queued" }, "running").pipe(
          Effect.zipRight(broker.run(handBack, [processing, k.queue(queue)], [raw, envelopeText])),
          Effect.zipRight(Effect.logInfo("task:handed-back", { task_id: envelope.id, queue })),
          Effect.asVoid
        )
      }
      const failure = Option.getOrElse(Cause.failureOption(exit.cause), () => Cause.squash(exit.cause))
      const error = describe(failure)
      const permanent = failure instanceof PermanentFailure
      if (permanent || attempt >= maxAttempts) {
        const deadEntry = JSON.stringify({ ...envelope, queue, error, attempts: attempt, failed_at: Date.now() })
        return Effect.gen(function*() {
          yield* update({ status: "failed", error, attempts: String(attempt), dead_entry: deadEntry, note: "" })
          const reply = yield* broker.run(bury, [processing, k.dead(queue)], [raw, deadEntry, String(config.deadLetterMax)])
          const listed = Array.isArray(reply) && Number(reply[1]) === 1
          if (!listed) {
            const note = `dead list ${queue} is full (DEAD_LETTER_MAX=${config.deadLetterMax}): this failed task is kept only as its record`
            yield* update({ dead_entry: "", note })
            yield* Effect.logError("task:dead-letter-cap-reached", { task_id: envelope.id, queue, cap: config.deadLetterMax })
          }
          yield* Metrics.task(queue, "failed")
          yield* Metrics.deadLetter(queue)
          yield* Effect.logWarning("task:dead", { task_id: envelope.id, queue, attempts: attempt, permanent })
        })
      }
      const delay = backoffMs(attempt, config.taskBackoffMs, config.taskBackoffMaxMs)
      const due = Date.now() + delay
      return update({ status: "retrying", error, attempts: String(attempt), next_attempt_at: String(due) }).pipe(
        Effect.zipRight(broker.run(retryLater, [processing, k.delayed(queue)], [raw, envelopeText, String(due)])),
        Effect.zipRight(Metrics.taskRetry(queue)),
        Effect.zipRight(Metrics.task(queue, "retrying")),
        Effect.asVoid
      )
    }

    const startedAt = Date.now()
    // The attempt continues the trace of the request that queued the task (its envelope's traceparent).
    yield* withStoredTrace(envelope, handleMessage(
      "worker",
      fiber,
      "task",
      runHandler(envelope, attempt, maxAttempts, queue, config),
      { task_id: envelope.id, type: envelope.type, queue, attempt, instance_id: config.instanceId }
    )).pipe(
      Effect.onExit((exit) =>
        settle(exit).pipe(
          Effect.retry(settleRetry),
          Effect.catchAll((e) => Effect.logError("task:settle-failed", { task_id: envelope.id, queue, error: e.message })),
          Effect.zipRight(Metrics.taskDuration(queue, Exit.isSuccess(exit) ? "succeeded" : Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "failed", (Date.now() - startedAt) / 1000))
        )
      ),
      Effect.ignore
    )
  }).pipe(
    Effect.catchAll((e) => Effect.logError("task:start-failed", { queue, error: e.message }))
  )
