/**
 * @module worker/completer — group-commit for successful attempts. Each success
 * waits here until its record says `succeeded` and its item is off the
 * processing list; one flusher writes everything that piled up meanwhile in two
 * script calls (`finishMany`, then `ackMany`), so a busy worker pays two Redis
 * commands per batch, not two per task. Record first, then ack: a crash in
 * between leaves the item to be recovered, and `startMany` drops it as finished.
 */
import { Deferred, Effect, Queue, Schedule } from "effect"
import type { BrokerService } from "../../src/broker/Broker.ts"
import type { Keys } from "../../src/broker/keys.ts"
import { ackMany, finishMany } from "./scripts/index.ts"

/** One finished attempt. */
export interface Success {
  readonly raw: string
  readonly taskId: string
  readonly attempts: number
  readonly result: string
}

interface Pending {
  readonly success: Success
  readonly done: Deferred.Deferred<void>
}

/** Most successes written by one flush. */
const FLUSH_MAX = 256
const flushRetry = Schedule.exponential("100 millis", 2).pipe(Schedule.intersect(Schedule.recurs(6)))

export interface Completer {
  /** Record `success` and ack its item; resolves once both are written (or given up on, logged). */
  readonly complete: (success: Success) => Effect.Effect<void>
  /** The flusher's loop body (run it supervised). */
  readonly flushOnce: Effect.Effect<void>
}

/** A completer for one processing list. */
export const makeCompleter = (
  broker: BrokerService,
  k: Keys,
  processing: string,
  ttlMs: number
): Effect.Effect<Completer> =>
  Effect.map(Queue.unbounded<Pending>(), (queue) => {
    const write = (batch: ReadonlyArray<Pending>) =>
      Effect.gen(function*() {
        const argv: Array<string> = [String(Date.now()), String(ttlMs), String(batch.length)]
        for (const { success } of batch) argv.push(k.task(success.taskId), String(success.attempts), success.result)
        yield* broker.run(finishMany, [k.taskIndex()], argv)
        yield* broker.run(ackMany, [processing], batch.map((p) => p.success.raw))
      }).pipe(Effect.retry(flushRetry))
    const flushOnce = Effect.gen(function*() {
      const batch = yield* Queue.takeBetween(queue, 1, FLUSH_MAX)
      const items = [...batch]
      yield* write(items).pipe(
        Effect.catchAll((e) =>
          Effect.logError("task:settle-failed", { tasks: items.length, error: e.message, hint: "items stay on the processing list until this worker stops" })
        ),
        Effect.ensuring(Effect.forEach(items, (p) => Deferred.succeed(p.done, undefined), { discard: true }))
      )
    })
    return {
      complete: (success) =>
        Effect.flatMap(Deferred.make<void>(), (done) =>
          Effect.zipRight(Queue.offer(queue, { success, done }), Deferred.await(done))),
      flushOnce
    }
  })
