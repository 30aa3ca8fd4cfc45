/**
 * @module actor/registry — what every actor is doing, for `/healthz`,
 * `/debug/actors` and stuck detection. Actors report; nothing here drives them.
 */
import { Context, Effect, Layer } from "effect"

export type ActorState = "starting" | "running" | "restarting" | "stopped"

/** One supervised fiber of an actor. */
export interface FiberStatus {
  readonly name: string
  state: "running" | "restarting" | "stopped"
  /** The message operation in progress, if any, and since when (ms epoch). */
  operation: string | null
  since: number | null
  /** The current operation waits on something outside the system (a person), so it is never "stuck". */
  waiting?: boolean
  restarts: number
}

/** An actor-provided health probe: ok=false makes `/healthz` degraded. */
export type HealthProbe = Effect.Effect<{ readonly ok: boolean; readonly detail: Record<string, unknown> }>

export interface ActorStatus {
  readonly name: string
  state: ActorState
  restarts: number
  lastError: string | null
  lastErrorAt: number | null
  handled: number
  failed: number
  lastActivity: number | null
  readonly fibers: Map<string, FiberStatus>
  readonly probes: Map<string, HealthProbe>
  readonly gauges: Map<string, () => number>
}

export interface ActorRegistryService {
  /** The status record of `actor`, created on first use. */
  readonly actor: (name: string) => ActorStatus
  readonly all: () => ReadonlyArray<ActorStatus>
  /** Fibers with an operation running longer than `ACTOR_STUCK_MS`. */
  readonly stuck: (stuckMs: number, now?: number) => ReadonlyArray<{ actor: string; fiber: string; operation: string; forMs: number }>
}

export class ActorRegistry extends Context.Tag("fluxgate/ActorRegistry")<ActorRegistry, ActorRegistryService>() {}

export const makeRegistry = (): ActorRegistryService => {
  const actors = new Map<string, ActorStatus>()
  const actor = (name: string): ActorStatus => {
    let status = actors.get(name)
    if (!status) {
      status = {
        name, state: "starting", restarts: 0, lastError: null, lastErrorAt: null, handled: 0, failed: 0,
        lastActivity: null, fibers: new Map(), probes: new Map(), gauges: new Map()
      }
      actors.set(name, status)
    }
    return status
  }
  return {
    actor,
    all: () => [...actors.values()],
    stuck: (stuckMs, now = Date.now()) => {
      const out: Array<{ actor: string; fiber: string; operation: string; forMs: number }> = []
      for (const a of actors.values()) {
        for (const f of a.fibers.values()) {
          if (f.operation !== null && f.since !== null && f.waiting !== true && now - f.since > stuckMs) {
            out.push({ actor: a.name, fiber: f.name, operation: f.operation, forMs: now - f.since })
          }
        }
      }
      return out
    }
  }
}

export const layerRegistry: Layer.Layer<ActorRegistry> = Layer.sync(ActorRegistry, makeRegistry)

/** A JSON view of one actor for HTTP. */
export const actorView = (a: ActorStatus, now = Date.now()) => ({
  name: a.name,
  state: a.state,
  restarts: a.restarts,
  last_error: a.lastError,
  last_error_at: a.lastErrorAt,
  handled: a.handled,
  failed: a.failed,
  last_activity: a.lastActivity,
  gauges: Object.fromEntries([...a.gauges].map(([k, f]) => [k, f()])),
  fibers: [...a.fibers.values()].map((f) => ({
    name: f.name,
    state: f.state,
    operation: f.operation,
    waiting_on_person: f.waiting === true,
    running_for_ms: f.since === null ? null : now - f.since,
    restarts: f.restarts
  }))
})
