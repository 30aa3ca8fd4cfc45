/**
 * @module generator/engine — the generator's run-time state and its two ways
 * of producing: the heartbeat loop (one event per tick, `LOG_FREQUENCY`) and
 * bursts (N events spread over D ms). Before producing, it passes the default
 * gate: while a client's `POST /io/start` round is awaiting, it waits
 * (`awaitGate`, joining the round) and produces nothing; when the message
 * arrives it logs it and goes on (seed 000).
 */
import { Effect, Queue } from "effect"
import type { AppConfigShape } from "../../src/config.ts"
import { awaitGate } from "../gate/await.ts"
import { DEFAULT_GATE, readGate } from "../gate/state.ts"
import { type EventSource, type FlowEvent, levelNo, type PyLevel, sourceFor } from "./flows.ts"
import type { Emitted, OutputFormat } from "./output.ts"
import { makePrng } from "./prng.ts"
import { makeSink } from "./sink.ts"

export type Profile = "heartbeat" | "sessions"

export interface Settings {
  running: boolean
  /** Seconds between heartbeats; for `sessions`, think times are scaled by frequency / 5. */
  frequency: number
  level: PyLevel
  format: OutputFormat
  profile: Profile
}

export interface Burst {
  readonly id: number
  readonly events: number
  readonly durationMs: number
  readonly startedAt: number
  produced: number
  sent: number
  state: "running" | "done" | "interrupted"
  finishedAt: number | null
}

/** Pace of a burst: how often it catches up with its schedule. */
const BURST_TICK_MS = 10
/** A level filter may reject most events; give up drawing after this many per wanted event. */
const MAX_DRAWS_PER_EVENT = 50

/** Wraps each emit (span, counters) without covering gate waits: waiting for a person is not being stuck. */
export type Track = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>, count: number) => Effect.Effect<A, E, R>

export const makeEngine = (config: AppConfigShape, track: Track = (_, effect) => effect) =>
  Effect.gen(function*() {
    const settings: Settings = {
      running: config.generatorEnabled,
      frequency: config.logFrequency,
      level: config.logLevel,
      format: config.logOutputFormat,
      profile: config.generatorProfile
    }
    const prng = makePrng(config.generatorSeed)
    let source: EventSource = sourceFor(settings.profile, prng)
    let seq = 0
    const bursts: Array<Burst> = []
    let nextBurstId = 1
    const gateState = { paused: false, messages: 0 }
    const sink = makeSink(config, () => settings.format)
    const emit = (events: ReadonlyArray<Emitted>, operation: string) => track(operation, sink.emit(events), events.length)
    const wake = yield* Queue.sliding<void>(1)
    const waiter = `generator:${config.instanceId}`

    /** Draw up to `count` events that pass the level threshold. */
    const produce = (count: number): Array<Emitted> => {
      const out: Array<Emitted> = []
      const threshold = levelNo(settings.level)
      for (let draws = 0; out.length < count && draws < count * MAX_DRAWS_PER_EVENT; draws++) {
        const drawn = source()
        // A heartbeat is logged at LOG_LEVEL; flow events have their own level and LOG_LEVEL filters them (Python logger semantics).
        const event: FlowEvent = settings.profile === "heartbeat" ? { ...drawn, level: settings.level } : drawn
        if (levelNo(event.level) < threshold) continue
        out.push({ seq: seq++, ts: Date.now(), event })
      }
      return out
    }

    /** Wait while the default gate is awaiting; log the message that ends the round. */
    const passGate = Effect.gen(function*() {
      const view = yield* readGate(DEFAULT_GATE)
      if (view.state !== "awaiting" && view.outcome !== "message") return
      gateState.paused = view.state === "awaiting"
      const outcome = yield* awaitGate(DEFAULT_GATE, { whenBusy: "join", waiter }).pipe(
        Effect.ensuring(Effect.sync(() => {
          gateState.paused = false
        }))
      )
      if (outcome?._tag !== "Message") return
      gateState.messages++
      const event: FlowEvent = {
        level: "INFO", logger: "gate", message: `IO message received: ${outcome.message}`, thinkMs: 0,
        fields: { user_id: "operator", session_id: `gate:${DEFAULT_GATE}`, request_id: `gen-${outcome.generation}`, session_token: "", event: "io_message" }
      }
      yield* emit([{ seq: seq++, ts: Date.now(), event }], "gate-message")
    })

    /** Sleep, but wake early when settings change. */
    const nap = (ms: number) => Effect.race(Effect.sleep(Math.max(1, ms)), Queue.take(wake)).pipe(Effect.asVoid)

    /** One heartbeat-loop iteration. */
    const tick = Effect.gen(function*() {
      if (!settings.running) return yield* nap(250)
      yield* passGate
      if (!settings.running) return
      const emitted = produce(1)
      yield* emit(emitted, "heartbeat")
      const think = emitted[0]?.event.thinkMs ?? 0
      yield* nap(settings.profile === "heartbeat" || think === 0 ? settings.frequency * 1000 : (think * settings.frequency) / 5)
    })

    /** Produce `events` events over `durationMs`, never faster than the broker takes them. */
    const runBurst = (burst: Burst) =>
      Effect.gen(function*() {
        while (burst.produced < burst.events) {
          yield* passGate
          const elapsed = Date.now() - burst.startedAt
          const due = burst.durationMs <= 0 ? burst.events : Math.min(burst.events, Math.ceil((burst.events * (elapsed + BURST_TICK_MS)) / burst.durationMs))
          const n = Math.min(due - burst.produced, 1000)
          if (n <= 0) {
            yield* Effect.sleep(BURST_TICK_MS)
            continue
          }
          const emitted = produce(n)
          if (emitted.length === 0) break
          burst.produced += emitted.length
          burst.sent += yield* emit(emitted, "burst")
        }
        burst.state = "done"
      }).pipe(
        Effect.onInterrupt(() => Effect.sync(() => {
          burst.state = "interrupted"
        })),
        Effect.ensuring(Effect.sync(() => {
          burst.finishedAt = Date.now()
        }))
      )

    const newBurst = (events: number, durationMs: number): Burst => {
      const burst: Burst = { id: nextBurstId++, events, durationMs, startedAt: Date.now(), produced: 0, sent: 0, state: "running", finishedAt: null }
      bursts.push(burst)
      if (bursts.length > 20) bursts.shift()
      return burst
    }

    /** Apply a PATCH; a format change starts a new file so CSV headers and line shapes never mix. */
    const update = (patch: Partial<Settings>) =>
      Effect.gen(function*() {
        const formatChanged = patch.format !== undefined && patch.format !== settings.format
        const profileChanged = patch.profile !== undefined && patch.profile !== settings.profile
        Object.assign(settings, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)))
        if (profileChanged) source = sourceFor(settings.profile, prng)
        if (formatChanged) sink.file.rotate()
        yield* Queue.offer(wake, undefined)
      })

    return { settings, sink, bursts, gateState, tick, runBurst, newBurst, update, produce }
  })

export type Engine = Effect.Effect.Success<ReturnType<typeof makeEngine>>
