/**
 * @module telemetry/leaf — an Effect over a promise with a span of its own
 * that never parents anything (a Redis command). The span is made straight
 * from the fiber's tracer and ended from the promise's callbacks.
 * `Effect.withSpan` would also install it as the fiber's current span and wrap
 * the effect in finalizers: measured ≈ 15–25 µs of CPU per call here, paid by
 * every Redis command the actors send; this costs a few.
 */
import { Context, Effect, Exit, FiberId, FiberRef, Option, type Fiber, type Tracer } from "effect"
import { nowNanos } from "./tracer.ts"

/** A span under the fiber's current span, or none when tracing is off for this fiber (e.g. the trace index's own writes). */
const leafSpan = (fiber: Fiber.RuntimeFiber<unknown, unknown>, name: string, attributes: Record<string, unknown>): Tracer.Span | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return undefined
  const parent = fiber.currentSpan
  const span = fiber.currentTracer.span(name, parent === undefined ? Option.none() : Option.some(parent), Context.empty(), [], nowNanos(), "client")
  for (const key in attributes) span.attribute(key, attributes[key])
  return span
}

/** End `span` with what `exit` says, keeping no result value alive in the span. */
const endSpan = (span: Tracer.Span | undefined, exit: Exit.Exit<unknown, unknown>) => span?.end(nowNanos(), Exit.isSuccess(exit) ? Exit.void : exit)

/**
 * Run `start(done)` under a new leaf span named `name`; `start` calls `done`
 * once with the outcome (later calls are ignored) and returns the cleanup to
 * run if the fiber is interrupted first (the span then ends as interrupted).
 */
export const asyncWithLeafSpan = <A, E>(
  name: string,
  attributes: Record<string, unknown>,
  start: (done: (exit: Exit.Exit<A, E>) => void) => () => void
): Effect.Effect<A, E> =>
  Effect.withFiberRuntime<A, E>((fiber) => {
    const span = leafSpan(fiber, name, attributes)
    return Effect.async<A, E>((resume) => {
      let settled = false
      const cleanup = start((exit) => {
        if (settled) return
        settled = true
        endSpan(span, exit)
        resume(exit)
      })
      return Effect.sync(() => {
        if (settled) return
        settled = true
        span?.end(nowNanos(), Exit.interrupt(FiberId.none))
        cleanup()
      })
    })
  })

/**
 * `run()`'s promise as an Effect with a leaf span; a rejection (or a throw)
 * becomes `onError(cause)`. No interruption handler (registering one costs as
 * much as the rest): an interrupted caller stops waiting, the command still
 * completes, and its span is simply not recorded.
 */
export const promiseWithLeafSpan = <A, E>(
  name: string,
  attributes: Record<string, unknown>,
  run: () => Promise<A>,
  onError: (cause: unknown) => E
): Effect.Effect<A, E> =>
  Effect.withFiberRuntime<A, E>((fiber) => {
    const span = leafSpan(fiber, name, attributes)
    return Effect.async<A, E>((resume) => {
      const done = (exit: Exit.Exit<A, E>) => {
        endSpan(span, exit)
        resume(exit)
      }
      let promise: Promise<A>
      try {
        promise = run()
      } catch (cause) {
        return done(Exit.fail(onError(cause)))
      }
      promise.then((value) => done(Exit.succeed(value)), (cause) => done(Exit.fail(onError(cause))))
    })
  })
