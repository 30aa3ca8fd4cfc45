/**
 * @module generator/routes — `GET /generator` (settings, counters, bursts),
 * `PATCH /generator` (running, frequency, level, format, profile at run time)
 * and `POST /generator/burst {"events","duration_ms"}` (seed 002 Day 2).
 */
import { Effect, Schema, type Scope } from "effect"
import { Hono } from "hono"
import type { Broker } from "../../src/broker/Broker.ts"
import type { AppConfig, AppConfigShape } from "../../src/config.ts"
import { type AppEnv, decodeInput, parseJson, readText, type Runner } from "../../src/http/routes.ts"
import type { Burst, Engine } from "./engine.ts"
import { LEVELS } from "./flows.ts"

const upper = Schema.transform(Schema.String, Schema.String, { strict: true, decode: (s) => s.trim().toUpperCase(), encode: (s) => s })
const lower = Schema.transform(Schema.String, Schema.String, { strict: true, decode: (s) => s.trim().toLowerCase(), encode: (s) => s })

const PatchBody = Schema.Struct({
  running: Schema.optional(Schema.Boolean),
  frequency: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(86_400))),
  level: Schema.optional(Schema.compose(upper, Schema.Literal(...LEVELS))),
  format: Schema.optional(Schema.compose(lower, Schema.Literal("plain", "json", "csv"))),
  profile: Schema.optional(Schema.compose(lower, Schema.Literal("heartbeat", "sessions")))
})

const BurstBody = Schema.Struct({
  events: Schema.Int.pipe(Schema.between(1, 1_000_000)),
  duration_ms: Schema.optional(Schema.Int.pipe(Schema.between(0, 3_600_000)))
})

const burstJson = (b: Burst) => ({
  id: b.id, events: b.events, duration_ms: b.durationMs, produced: b.produced, sent: b.sent, state: b.state,
  started_at: new Date(b.startedAt).toISOString(), finished_at: b.finishedAt === null ? null : new Date(b.finishedAt).toISOString()
})

/** The JSON of `GET /generator`. */
export const generatorJson = (engine: Engine, config: AppConfigShape) => ({
  ...engine.settings,
  seeded: config.generatorSeed !== undefined,
  log_file: config.logFile,
  log_format: config.logFormat,
  max_bytes: config.logMaxBytes,
  backups: config.logBackups,
  stream: config.streamName,
  awaiting_gate: engine.gateState.paused,
  gate_messages: engine.gateState.messages,
  produced: engine.sink.stats.produced,
  sent: engine.sink.stats.sent,
  append_failures: engine.sink.stats.appendFailures,
  retrying: engine.sink.stats.retrying,
  file_errors: engine.sink.stats.fileErrors,
  rotations: engine.sink.file.rotations,
  last_error: engine.sink.stats.lastError,
  bursts: engine.bursts.map(burstJson)
})

const body = (text: string) => (text.trim() === "" ? Effect.succeed({} as unknown) : parseJson(text))

/** Routes over one engine; bursts run in `scope` (the actor's), so shutdown interrupts them. */
export const generatorRoutes = (run: Runner<Broker | AppConfig>, engine: Engine, config: AppConfigShape, scope: Scope.Scope) =>
  new Hono<AppEnv>()
    .get("/generator", (c) => run(c, Effect.sync(() => c.json(generatorJson(engine, config)))))
    .patch("/generator", (c) =>
      run(c, Effect.gen(function*() {
        const patch = yield* decodeInput(PatchBody, yield* body(yield* readText(c)))
        yield* engine.update(patch)
        return c.json(generatorJson(engine, config))
      })))
    .post("/generator/burst", (c) =>
      run(c, Effect.gen(function*() {
        const input = yield* decodeInput(BurstBody, yield* body(yield* readText(c)))
        const burst = engine.newBurst(input.events, input.duration_ms ?? config.burstDurationMs)
        // Forked into the actor's scope, not the request's: the burst outlives the 202, and shutdown interrupts it.
        yield* Effect.forkIn(engine.runBurst(burst), scope)
        return c.json({ burst: burstJson(burst) }, 202)
      })))
