/**
 * @module worker/direct — pure-handler tasks run straight from the lease.
 *
 * A pure handler's result depends only on its payload, so computing it again
 * is harmless. Such a task therefore skips the `running` write (startMany): it
 * is computed as soon as it is leased and its success goes to the completer,
 * whose `finishMany` counts the attempt from the record and ignores a task
 * already finished (a duplicate after a recovery) or gone (deleted, expired)
 * — the same outcomes startMany would have produced, for one script call per
 * batch less and one command per task less. Its status goes from
 * `queued`/`retrying` straight to `succeeded`; it is never seen `running`
 * (it runs for microseconds).
 * Failures (a throw, a bad payload) then go through startMany, so they settle
 * like any attempt: counted, retried with backoff, or dead.
 * Not direct: raw items (startMany creates their record), items whose sampled
 * trace must be continued (their attempt gets a span), Effect handlers.
 */
import { Cause, Effect, Either } from "effect"
import { handleMessage } from "../../src/actor/supervise.ts"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { record } from "../../src/telemetry/metrics.ts"
import { externalParent } from "../../src/telemetry/traceparent.ts"
import type { Completer } from "./completer.ts"
import { handlerFor } from "./handlers.ts"
import { decodePayload, handBackAll, settleAttempt, startBatch, toJson, type LeaseContext, type LeasedItem } from "./lease.ts"

/** Whether a leased item runs directly: a known envelope of a pure type, with no sampled trace to continue. */
export const runsDirect = ({ leased }: LeasedItem): boolean =>
  leased.kind === "envelope" &&
  handlerFor(leased.envelope.type)?.compute !== undefined &&
  externalParent(leased.envelope.traceparent)?.sampled !== true

interface DirectFailure {
  readonly item: LeasedItem
  readonly error: unknown
  readonly startedAt: number
}

/**
 * Compute `items` one after another in the calling fiber (plain code: no fiber
 * or Effect step per task), hand successes to the completer, then start and
 * settle the failures. Counted on the actor as `items.length` messages, failed
 * attempts moved from handled to failed.
 */
export const runDirect = (
  ctx: LeaseContext,
  queue: string,
  items: ReadonlyArray<LeasedItem>,
  completer: Completer,
  fiber: string
) =>
  Effect.flatMap(ActorRegistry, (registry) => {
    const status = registry.actor("worker")
    const failed = Effect.sync(() => {
      status.handled--
      status.failed++
    })
    const work = Effect.suspend(() => {
      const failures: Array<DirectFailure> = []
      for (const item of items) {
        const { raw, leased } = item
        const startedAt = Date.now()
        const decoded = decodePayload(leased.envelope)
        if (Either.isLeft(decoded)) {
          failures.push({ item, error: decoded.left, startedAt })
          continue
        }
        let value: unknown
        try {
          value = decoded.right.handler.compute!(decoded.right.payload)
        } catch (error) {
          failures.push({ item, error, startedAt })
          continue
        }
        completer.complete({ raw, taskId: leased.envelope.id, result: toJson(value), createdAt: leased.envelope.created_at })
        record.taskSucceeded(queue, (Date.now() - startedAt) / 1000)
      }
      return failures.length === 0 ? Effect.void : settleFailures(ctx, queue, failures, failed)
    })
    return handleMessage("worker", fiber, "task", work, { queue, tasks: items.length, direct: true }, items.length)
  })

/** Mark the failed items running (counting their attempt from the record), then settle each with its error. */
const settleFailures = (ctx: LeaseContext, queue: string, failures: ReadonlyArray<DirectFailure>, failed: Effect.Effect<void>) =>
  Effect.flatMap(Effect.zip(
    startBatch(ctx, queue, failures.map((f) => f.item)).pipe(
      // As in fetch: a failed start puts the items back rather than strand them on our processing list.
      Effect.tapError(() => Effect.ignore(handBackAll(ctx, queue, failures.map((f) => f.item))))
    ),
    ActorRegistry
  ), ([started, registry]) => {
    // Dropped by startBatch (record gone or already finished): not an attempt at all.
    registry.actor("worker").handled -= failures.length - started.length
    const byRaw = new Map(failures.map((f) => [f.item.raw, f]))
    return Effect.forEach(started, (item) => {
      const failure = byRaw.get(item.raw)!
      return settleAttempt(ctx, queue, item, Cause.fail(failure.error), failed, failure.startedAt)
    }, { discard: true })
  })
