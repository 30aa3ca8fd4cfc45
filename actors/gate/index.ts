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
import { gateRoutes } from "./routes.ts"

export { awaitGate, type AwaitGateOptions, type GateOutcome } from "./await.ts"
export { DEFAULT_GATE, readGate, type GateView } from "./state.ts"

/** The gate actor: routes only — waiting happens in the waiters' own fibers. */
export const GateLive: Layer.Layer<never, never, Kernel> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const registry = yield* ActorRegistry
    registry.actor("gate").state = "running"
    yield* registerRoutes<Broker | AppConfig>("gate", (run) => gateRoutes(run, config.ioMessageMaxBytes))
  })
)
