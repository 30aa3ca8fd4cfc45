/**
 * @module generator — seed 002's logger service, grown up: heartbeats or
 * simulated shopper sessions, formatted like Python `logging`, written to the
 * console, a size-rotated file and the collector's stream (through the
 * broker), with bursts and run-time control. It pauses on the default gate
 * (seed 000): nothing is produced while a client's IO round is awaiting.
 */
import { Effect, Layer } from "effect"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { handleMessage, supervise } from "../../src/actor/supervise.ts"
import type { Broker } from "../../src/broker/Broker.ts"
import { AppConfig } from "../../src/config.ts"
import { registerRoutes } from "../../src/http/routes.ts"
import type { Kernel } from "../../src/roster.ts"
import { makeEngine } from "./engine.ts"
import { generatorRoutes } from "./routes.ts"

/** The generator actor. */
export const GeneratorLive: Layer.Layer<never, never, Kernel> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const registry = yield* ActorRegistry
    const scope = yield* Effect.scope
    const context = yield* Effect.context<ActorRegistry>()
    const engine = yield* makeEngine(config, (operation, effect, count) =>
      Effect.provide(handleMessage("generator", operation === "burst" ? "burst" : "heartbeat", operation, effect, {}, count), context))
    yield* Effect.addFinalizer(() => Effect.sync(() => engine.sink.file.close()))
    const status = registry.actor("generator")
    status.gauges.set("produced", () => engine.sink.stats.produced)
    status.gauges.set("sent", () => engine.sink.stats.sent)
    status.gauges.set("unsent", () => engine.sink.stats.produced - engine.sink.stats.sent)
    status.gauges.set("awaiting_gate", () => (engine.gateState.paused ? 1 : 0))
    yield* supervise("generator", "heartbeat", engine.tick)
    if (config.burstEvents > 0 && config.burstIntervalS > 0) {
      // Scheduled bursts (BURST_*): every BURST_INTERVAL_S, BURST_EVENTS over BURST_DURATION_MS.
      yield* supervise("generator", "bursts", Effect.gen(function*() {
        yield* Effect.sleep(config.burstIntervalS * 1000)
        yield* engine.runBurst(engine.newBurst(config.burstEvents, config.burstDurationMs))
      }))
    }
    yield* registerRoutes<Broker | AppConfig>("generator", (run) => generatorRoutes(run, engine, config, scope))
  })
)

