/**
 * @module actor/supervise — the one supervision idiom every actor loop uses:
 * a failure or defect is logged and recorded, the loop restarts after a
 * jittered, capped exponential backoff, and the fiber is scoped to the actor's
 * Layer so shutdown interrupts it.
 */
import { Cause, Duration, Effect, Schedule, type Scope } from "effect"
import { ActorRegistry, type FiberStatus } from "./registry.ts"

/**
 * Restart backoff: 500 ms × 1.5ⁿ, never more than 10 s apart, jittered so
 * replicas don't restart in step; after a minute without failures it starts
 * again from 500 ms (else one bad hour would leave every later restart at 10 s).
 */
export const restartSchedule = Schedule.exponential("500 millis", 1.5).pipe(
  Schedule.union(Schedule.spaced("10 seconds")),
  Schedule.jittered,
  Schedule.resetAfter("1 minute")
)

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`
  return typeof failure === "object" && failure !== null && "_tag" in failure ? String(failure._tag) : String(failure)
}

/**
 * Fork `iteration` as fiber `fiber` of `actor`, repeated forever and restarted
 * on any failure or defect. Returns once the fiber is forked.
 */
export const supervise = <E, R>(
  actor: string,
  fiber: string,
  iteration: Effect.Effect<unknown, E, R>,
  options: { readonly schedule?: Schedule.Schedule<unknown, unknown> } = {}
): Effect.Effect<void, never, R | ActorRegistry | Scope.Scope> =>
  Effect.gen(function*() {
    const registry = yield* ActorRegistry
    const status = registry.actor(actor)
    const fiberStatus: FiberStatus = { name: fiber, state: "running", operation: null, since: null, restarts: 0 }
    status.fibers.set(fiber, fiberStatus)
    const loop = iteration.pipe(
      Effect.forever,
      // defects become failures so that retry restarts them too
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : Effect.gen(function*() {
            const message = describeCause(cause)
            status.restarts++
            status.lastError = message
            status.lastErrorAt = Date.now()
            status.state = "restarting"
            fiberStatus.state = "restarting"
            fiberStatus.restarts++
            fiberStatus.operation = null
            fiberStatus.since = null
            yield* Effect.logWarning(`${actor}:restart`, message)
            return yield* Effect.fail(message)
          })
      ),
      Effect.retry(options.schedule ?? restartSchedule),
      Effect.annotateLogs({ actor, fiber }),
      Effect.ensuring(Effect.sync(() => {
        fiberStatus.state = "stopped"
        fiberStatus.operation = null
        fiberStatus.since = null
      }))
    )
    status.state = "running"
    yield* Effect.forkScoped(Effect.interruptible(loop))
  })

/** Mark the actor running again once an iteration after a restart succeeds. */
const markProgress = (actor: string, fiber: string) =>
  Effect.flatMap(ActorRegistry, (registry) =>
    Effect.sync(() => {
      const status = registry.actor(actor)
      const f = status.fibers.get(fiber)
      if (f) {
        f.state = "running"
        f.operation = null
        f.since = null
        f.waiting = false
      }
      if (status.state === "restarting" && [...status.fibers.values()].every((x) => x.state !== "restarting")) status.state = "running"
      status.lastActivity = Date.now()
    }))

/**
 * Handle one message: run `effect` in a span `<actor>.<operation>`, show it as
 * the fiber's current operation (for stuck detection, unless it waits for a
 * person, like an `ask` task), count it.
 */
export const handleMessage = <A, E, R>(
  actor: string,
  fiber: string,
  operation: string,
  effect: Effect.Effect<A, E, R>,
  attributes: Record<string, unknown> = {},
  count = 1,
  options: { readonly waitsForPerson?: boolean } = {}
): Effect.Effect<A, E, R | ActorRegistry> =>
  Effect.flatMap(ActorRegistry, (registry) => {
    const status = registry.actor(actor)
    const f = status.fibers.get(fiber)
    const begin = Effect.sync(() => {
      if (f) {
        f.operation = operation
        f.since = Date.now()
        f.waiting = options.waitsForPerson === true
      }
    })
    return begin.pipe(
      Effect.zipRight(effect),
      // No stack-trace capture: this span wraps every message of every actor loop, and the
      // captured trace (an Error per span) was a visible share of the writer's CPU.
      Effect.withSpan(`${actor}.${operation}`, { attributes: { actor, fiber, ...attributes }, captureStackTrace: false }),
      Effect.tap(() => Effect.sync(() => {
        status.handled += count
      })),
      Effect.tapErrorCause(() => Effect.sync(() => {
        status.failed += count
      })),
      Effect.ensuring(markProgress(actor, fiber))
    )
  })

/** A short pause used between polling iterations; interruptible. */
export const pause = (ms: number) => Effect.sleep(Duration.millis(ms))
