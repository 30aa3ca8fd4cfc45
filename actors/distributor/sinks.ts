/**
 * @module distributor/sinks — the durable sinks, at least once, through the
 * consumer group: `readGroup` → archive + counters → `ack`. Entries that fail
 * (undecodable, archive write error) stay pending; the reclaim sweep claims
 * entries idle past `PENDING_IDLE_MS` (a crashed replica's, or our own failed
 * ones), sinks them again, and sends those delivered more than
 * `MAX_DELIVERIES` times to `<stream>:dead` with the reason, then acks them.
 */
import { Effect, Either } from "effect"
import { Broker, type ClaimedEntry, type StreamEntry } from "../../src/broker/Broker.ts"
import { StreamUnavailable } from "../../src/errors.ts"
import { Metrics } from "../../src/telemetry/metrics.ts"
import { fromFields } from "../collector/event.ts"
import type { Archive } from "./archive.ts"
import { countEvent, countTotal } from "./counters.ts"
import { recordJson } from "./fanout.ts"

/** Where and how the sinks consume. */
export interface SinkOptions {
  readonly stream: string
  readonly deadStream: string
  readonly group: string
  readonly consumer: string
  readonly batchCount: number
  readonly blockMs: number
  readonly pendingIdleMs: number
  readonly maxDeliveries: number
  readonly deadMaxLen: number
  readonly archive: Archive | null
}

/** Progress the health probe reads. */
export interface SinkState {
  groupReady: boolean
  /** When a group read last returned (ms epoch); a live consumer returns at least every BLOCK_MS. */
  lastReadAt: number
}

/** Why an entry last failed, so its dead letter can say (bounded: oldest forgotten first). */
const lastErrors = new Map<string, string>()
const rememberError = (id: string, reason: string) => {
  lastErrors.delete(id)
  lastErrors.set(id, reason)
  if (lastErrors.size > 10_000) lastErrors.delete(lastErrors.keys().next().value as string)
}

/** Archive and count `entries`; returns the ids that were sunk (to ack). Fails only if the archive write fails. */
const sink = (options: SinkOptions, entries: ReadonlyArray<StreamEntry>) =>
  Effect.gen(function*() {
    const ok: Array<string> = []
    const records = []
    for (const entry of entries) {
      const decoded = fromFields(entry.id, entry.fields)
      if (Either.isLeft(decoded)) {
        rememberError(entry.id, decoded.left)
        countTotal("sinkFailures")
        continue
      }
      records.push(decoded.right)
      ok.push(entry.id)
    }
    if (options.archive !== null && records.length > 0) {
      const text = records.map((r) => JSON.stringify(recordJson(r))).join("\n") + "\n"
      const archive = options.archive
      yield* Effect.tryPromise({
        try: () => archive.write(text),
        catch: (error) => new StreamUnavailable({ message: `archive ${archive.path}: ${error instanceof Error ? error.message : String(error)}` })
      }).pipe(Effect.tapError((e) => Effect.sync(() => {
        for (const id of ok) rememberError(id, e.message)
        countTotal("sinkFailures", ok.length)
      })))
    }
    for (const record of records) countEvent(record.source, record.level)
    return ok
  })

/** Sink, then ack what was sunk. */
export const sinkAndAck = (options: SinkOptions, entries: ReadonlyArray<StreamEntry>) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const ok = yield* sink(options, entries)
    if (ok.length > 0) yield* broker.ack(options.stream, options.group, ok)
    if (ok.length > 0) yield* Metrics.delivered("sinks", ok.length)
    for (const id of ok) lastErrors.delete(id)
    return ok.length
  })

/** One group read and its sinking. `blockMs` bounds the wait. */
export const consumeOnce = (options: SinkOptions, state: SinkState) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    if (!state.groupReady) {
      // At start and after every failure: a Redis restarted without persistence answers NOGROUP.
      yield* broker.ensureGroup(options.stream, options.group, "0")
      state.groupReady = true
    }
    const entries = yield* broker.readGroup(options.stream, options.group, options.consumer, {
      count: options.batchCount,
      blockMs: options.blockMs
    })
    state.lastReadAt = Date.now()
    return entries
  }).pipe(Effect.tapError(() => Effect.sync(() => {
    state.groupReady = false
  })))

/** Dead-letter fields: the original fields plus where, why and how often. */
const deadFields = (entry: ClaimedEntry, options: SinkOptions) => ({
  ...entry.fields,
  dead_id: entry.id,
  dead_reason: lastErrors.get(entry.id) ?? `not acknowledged after ${entry.deliveries - 1} deliveries (consumer crashed or sink failed)`,
  dead_deliveries: String(entry.deliveries - 1),
  dead_at: String(Date.now()),
  dead_group: options.group
})

/** One reclaim sweep: claim idle entries in batches until none are left. Returns how many were handled. */
export const reclaimOnce = (options: SinkOptions) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    let handled = 0
    for (;;) {
      const claimed = yield* broker.claimIdle(options.stream, options.group, options.consumer, {
        minIdleMs: options.pendingIdleMs,
        count: options.batchCount
      })
      if (claimed.length === 0) break
      // `deliveries` counts this claim too: an entry sunk MAX_DELIVERIES times without an ack is dead.
      const dead = claimed.filter((e) => e.deliveries > options.maxDeliveries)
      const retry = claimed.filter((e) => e.deliveries <= options.maxDeliveries)
      if (dead.length > 0) {
        yield* broker.append(options.deadStream, dead.map((e) => deadFields(e, options)), { maxLen: options.deadMaxLen })
        yield* broker.ack(options.stream, options.group, dead.map((e) => e.id))
        for (const e of dead) lastErrors.delete(e.id)
        countTotal("dead", dead.length)
        yield* Metrics.streamDeadLetter(dead.length)
        yield* Effect.logWarning("entry:dead", { count: dead.length, first: dead[0].id })
      }
      if (retry.length > 0) {
        countTotal("reclaimed", retry.length)
        yield* sinkAndAck(options, retry)
      }
      handled += claimed.length
      if (claimed.length < options.batchCount) break
    }
    return handled
  })
