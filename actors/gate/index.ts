/**
 * @module gate — the human-in-the-loop gate (seed 000's "IO process"): a
 * named pause that a client starts (`POST /io/start`), a person answers
 * (`POST /io/write`), and exactly one waiter (the generator or an `ask` task,
 * through `awaitGate`) receives. All state is in the broker, so a gate that
 * is awaiting stays awaiting across process restarts.
 */
import { Effect, Layer } from "effect"
import type { Broker } from "../../src/broker/Broker.ts"
import { AppConfig } from "../../src/config.ts"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { registerRoutes } from "../../src/http/routes.ts"
import type { Kernel } from "../../src/roster.ts"
import { supervise } from "../../src/actor/supervise.ts"
import { gateRoutes } from "./routes.ts"
import { DEFAULT_GATE, readGate } from "./state.ts"

/** How often the default gate's deadline is applied for readers of the raw hash. */
const DEADLINE_SWEEP_MS = 1000

export { awaitGate, type AwaitGateOptions, type GateOutcome } from "./await.ts"
export { DEFAULT_GATE, readGate, type GateView } from "./state.ts"

/** The gate actor: routes and a deadline sweep — waiting happens in the waiters' own fibers. */
export const GateLive: Layer.Layer<never, never, Kernel> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const registry = yield* ActorRegistry
    registry.actor("gate").state = "running"
    // Readers that look at the hash directly (the distributor's GET /logs) should see a timed-out
    // default gate as idle even when no waiter or client touched it since its deadline.
    yield* supervise("gate", "deadlines", readGate(DEFAULT_GATE).pipe(Effect.zipRight(Effect.sleep(DEADLINE_SWEEP_MS))))
    yield* registerRoutes<Broker | AppConfig>("gate", (run) => gateRoutes(run, config.ioMessageMaxBytes))
  })
)
