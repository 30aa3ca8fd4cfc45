/**
 * @module lifecycle — process-wide facts every part may need: which runtime
 * serves us, and whether shutdown has begun. Long-lived responses (SSE) race
 * `shutdown` so the listener can close; `/readyz` turns 503 once draining.
 */
import { Context, Deferred, Effect, Layer } from "effect"

export type RuntimeName = "node" | "deno"

export interface LifecycleService {
  readonly runtime: RuntimeName
  readonly startedAt: number
  /** Completed when shutdown begins. */
  readonly shutdown: Deferred.Deferred<void>
  readonly isDraining: () => boolean
  readonly beginShutdown: Effect.Effect<void>
}

export class Lifecycle extends Context.Tag("fluxgate/Lifecycle")<Lifecycle, LifecycleService>() {}

export const layerLifecycle = (runtime: RuntimeName): Layer.Layer<Lifecycle> =>
  Layer.effect(
    Lifecycle,
    Effect.gen(function*() {
      const shutdown = yield* Deferred.make<void>()
      let draining = false
      return {
        runtime,
        startedAt: Date.now(),
        shutdown,
        isDraining: () => draining,
        beginShutdown: Effect.suspend(() => {
          draining = true
          return Deferred.succeed(shutdown, undefined)
        })
      }
    })
  )

/** The package version, reported by `/whoami`. */
export const VERSION = "0.1.0"
