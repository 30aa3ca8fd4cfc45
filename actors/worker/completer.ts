/**
 * @module worker/completer — group-commit for successful attempts. A success is
 * handed over and its slot frees at once; one flusher writes everything that
 * piled up meanwhile in two script calls (`finishMany`, then `ackMany`), so a
 * busy worker pays two Redis commands per batch, not two per task. Until then
 * the item stays on the processing list, so a crash loses nothing: it is
 * recovered and run again (at-least-once). Record first, then ack: a crash in
 * between leaves an item that `startMany` drops as already finished, and a
 * success of a task already finished is not recorded twice (`finishMany`). A flush in
 * progress is never interrupted, and `drain` (at shutdown) writes the rest.
 */
import { Effect, Schedule } from "effect"
import type { BrokerService } from "../../src/broker/Broker.ts"
import type { Keys } from "../../src/broker/keys.ts"
import { ackMany, finishMany } from "./scripts/index.ts"
import { ackManyArgv } from "./scripts/ackMany.ts"
import { finishManyArgv, type FinishRow } from "./scripts/finishMany.ts"

/** One finished attempt: what finishMany records, and the leased string to ack. */
export interface Success extends FinishRow {
  readonly raw: string
}


/** Most successes written by one flush. */
const FLUSH_MAX = 256
/**
 * A flush of fewer successes first waits this long for more: under load the
 * next leased batch finishes meanwhile and shares the two writes (each Redis
 * command costs ≈ 40–90 µs of CPU here, mostly the socket write). A lone
 * success is recorded 2 ms later; nothing waits longer.
 */
const GATHER_BELOW = 64
const GATHER_MS = 2
const flushRetry = Schedule.exponential("100 millis", 2).pipe(Schedule.intersect(Schedule.recurs(6)))

export interface Completer {
  /** Hand a success over for the next flush (plain and synchronous: it runs once per task). */
  readonly complete: (success: Success) => void
  /** The flusher's loop body (run it supervised). */
  readonly flushOnce: Effect.Effect<void>
  /** Write whatever is still waiting (shutdown, after the attempts have ended). */
  readonly drain: Effect.Effect<void>
}

/** A completer for one processing list. */
export const makeCompleter = (
  broker: BrokerService,
  k: Keys,
  processing: string,
  ttlMs: number,
  handledBy: string
): Effect.Effect<Completer> =>
  Effect.sync(() => {
    // A plain array and one waiting flusher, not an Effect Queue: an offer per task through a
    // Queue cost several fiber steps each, a visible share of a no-op task's CPU.
    let pending: Array<Success> = []
    let wake: (() => void) | null = null
    const write = (batch: ReadonlyArray<Success>) =>
      Effect.gen(function*() {
        yield* broker.run(finishMany, [k.taskIndex()], finishManyArgv(Date.now(), ttlMs, k.task(""), handledBy, batch))
        yield* broker.run(ackMany, [processing], ackManyArgv(batch.map((s) => s.raw)))
      }).pipe(
        Effect.retry(flushRetry),
        Effect.catchAll((e) =>
          Effect.logError("task:settle-failed", { tasks: batch.length, error: e.message, hint: "the items stay on the processing list and run again after recovery" })
        ),
        Effect.uninterruptible
      )
    const take = (max: number): Array<Success> => {
      const batch = pending.length <= max ? pending : pending.slice(0, max)
      pending = pending.length <= max ? [] : pending.slice(max)
      return batch
    }
    const waitForWork = Effect.async<void>((resume) => {
      if (pending.length > 0) return resume(Effect.void)
      wake = () => {
        wake = null
        resume(Effect.void)
      }
      return Effect.sync(() => {
        wake = null
      })
    })
    const gather = Effect.suspend(() => (pending.length < GATHER_BELOW ? Effect.sleep(GATHER_MS) : Effect.void))
    const flushOnce = waitForWork.pipe(Effect.zipRight(gather), Effect.zipRight(Effect.suspend(() => write(take(FLUSH_MAX)))))
    const drain = Effect.suspend(() => {
      const rest = take(Number.MAX_SAFE_INTEGER)
      return rest.length === 0 ? Effect.void : write(rest)
    })
    const complete = (success: Success) => {
      pending.push(success)
      wake?.()
    }
    return { complete, flushOnce, drain }
  })
