/**
 * @module gate/await — `awaitGate`: the broker-level wait that the generator
 * and `ask` tasks use. It starts a round (or joins one a client started with
 * `POST /io/start`), then waits on the gate's inbox with `broker.take` in short
 * slices, so it notices a deadline, a round answered elsewhere, and shutdown.
 * A message written before the wait begins is already in the inbox: nothing
 * is lost between "awaiting" and "waiter ready".
 */
import { Effect } from "effect"
import { Broker, type BrokerService } from "../../src/broker/Broker.ts"
import type { AppConfig } from "../../src/config.ts"
import type { GateBusy, StreamUnavailable } from "../../src/errors.ts"
import { timeGateWait } from "../../src/telemetry/metrics.ts"
import { expire, type GateView, keysOf, readGate, start } from "./state.ts"

/** How a wait ended. */
export type GateOutcome =
  | { readonly _tag: "Message"; readonly message: string; readonly at: number; readonly generation: number }
  | { readonly _tag: "Timeout"; readonly generation: number }
  /** The round ended without this waiter getting the message (another waiter took it). */
  | { readonly _tag: "Superseded"; readonly generation: number }

export interface AwaitGateOptions {
  readonly prompt?: string
  /** The waiter resumes with a `Timeout` outcome after this long (the gate goes idle). */
  readonly timeoutMs?: number
  /** Who waits, shown in `GET /io` (`task:<id>`); a joiner only joins rounds with no owner or its own kind. */
  readonly waiter?: string
  /**
   * "fail" (default): start a round, GateBusy if one is running. "queue": wait
   * until the gate is free, then start ours (ask tasks). "join": never start;
   * wait for the round a client started with POST /io/start (the generator).
   */
  readonly whenBusy?: "join" | "queue" | "fail"
}

/** Longest single blocking take: bounds how late a deadline or a lost round is noticed. */
const SLICE_MS = 1000
/** How often a waiter that may not take the current round looks whether it ended. */
const BUSY_POLL_MS = 100

/** Parse `<gen>:<ms>:<message>` (the message may contain ':'). */
export const parseInboxItem = (item: string): { generation: number; at: number; message: string } | null => {
  const a = item.indexOf(":")
  const b = a < 0 ? -1 : item.indexOf(":", a + 1)
  if (a < 0 || b < 0) return null
  return { generation: Number(item.slice(0, a)), at: Number(item.slice(a + 1, b)), message: item.slice(b + 1) }
}

/** An older round's message younger than this may still have a live waiter (between two of its takes): keep it. */
const STALE_AFTER_MS = 3 * SLICE_MS

/**
 * An item for an older round. If it is recent, its own waiter may be about to
 * take it: put it back and pause briefly so that waiter can. If it is old,
 * nobody is coming for it: drop it.
 */
const settleStale = (broker: BrokerService, inbox: string, item: string | null) => {
  if (item === null) return Effect.void
  const parsed = parseInboxItem(item)
  if (parsed === null || Date.now() - parsed.at > STALE_AFTER_MS) return Effect.void
  return broker.push(inbox, [item]).pipe(Effect.zipRight(Effect.sleep(25)))
}

/** Wait for round `generation` of gate `name` to be answered or to time out. */
export const waitForRound = (name: string, generation: number, deadline: number | null) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { inbox } = yield* keysOf(name)
    // An item for a newer round: ours is over, leave it for that round's waiter.
    const accept = (item: string | null): GateOutcome | "stale" | null => {
      if (item === null) return null
      const parsed = parseInboxItem(item)
      if (parsed === null || parsed.generation < generation) return "stale"
      if (parsed.generation > generation) return { _tag: "Superseded", generation }
      return { _tag: "Message", message: parsed.message, at: parsed.at, generation }
    }
    const putBack = (item: string | null) => (item === null ? Effect.void : broker.push(inbox, [item]))
    for (;;) {
      const now = Date.now()
      if (deadline !== null && now >= deadline && (yield* expire(name, generation))) {
        return { _tag: "Timeout", generation } as GateOutcome
      }
      const slice = deadline === null ? SLICE_MS : Math.max(1, Math.min(SLICE_MS, deadline - now))
      const item = yield* broker.take(inbox, slice)
      const got = accept(item)
      if (got === "stale") {
        yield* settleStale(broker, inbox, item)
        continue
      }
      if (got !== null) {
        if (got._tag === "Superseded") yield* putBack(item)
        return got
      }
      const view = yield* readGate(name)
      if (view.generation === generation && view.state === "awaiting") continue
      // The round ended: its message may have landed just after our take gave up.
      const lateItem = yield* broker.take(inbox, 0)
      const late = accept(lateItem)
      if (late === "stale") yield* settleStale(broker, inbox, lateItem)
      else if (late !== null) {
        if (late._tag === "Superseded") yield* putBack(lateItem)
        return late
      }
      if (view.generation === generation && view.outcome === "timeout") return { _tag: "Timeout", generation } as GateOutcome
      return { _tag: "Superseded", generation } as GateOutcome
    }
  })

const joinable = (waiter: string | null, mine: string) =>
  waiter === null || waiter === mine || waiter.split(":")[0] === mine.split(":")[0]

/**
 * A joiner that arrives after the round was already answered (start and write
 * both happened between two of its looks) still gets that round's message:
 * it is in the inbox until one waiter takes it.
 */
const unclaimed = (name: string, view: GateView, waiter: string) =>
  Effect.gen(function*() {
    if (view.outcome !== "message" || !joinable(view.waiter, waiter)) return null
    const broker = yield* Broker
    const { inbox } = yield* keysOf(name)
    for (;;) {
      const item = yield* broker.take(inbox, 0)
      if (item === null) return null
      const parsed = parseInboxItem(item)
      if (parsed === null) continue
      if (parsed.generation < view.generation) {
        // Another round's leftover: settle it, and look again on the next check rather than spin here.
        yield* settleStale(broker, inbox, item)
        if (Date.now() - parsed.at <= STALE_AFTER_MS) return null
        continue
      }
      if (parsed.generation > view.generation) {
        // A newer round's message: not ours to take; put it back for its waiter.
        yield* broker.push(inbox, [item])
        return null
      }
      return { _tag: "Message", message: parsed.message, at: parsed.at, generation: parsed.generation } as GateOutcome
    }
  })

/**
 * Start a round of gate `name` and wait for the human's message — or, with
 * `whenBusy: "join"`, only wait on a round someone else started: an idle gate
 * answers its last round's untaken message if there is one, else `null` at once (the generator checks between events and must never
 * start a round itself), and a round owned by another kind of waiter (an ask
 * task) is waited out without taking its message.
 */
export const awaitGate = (
  name: string,
  options: AwaitGateOptions = {}
): Effect.Effect<GateOutcome | null, GateBusy | StreamUnavailable, Broker | AppConfig> =>
  Effect.gen(function*() {
    const whenBusy = options.whenBusy ?? "fail"
    const waiter = options.waiter ?? ""
    for (;;) {
      const view = yield* readGate(name)
      if (whenBusy === "join") {
        if (view.state !== "awaiting") return yield* unclaimed(name, view, waiter)
        if (joinable(view.waiter, waiter)) return yield* waitForRound(name, view.generation, view.deadline)
        yield* Effect.sleep(BUSY_POLL_MS)
        continue
      }
      // Our own round, started by an earlier attempt of the same waiter (a retried task): rejoin it.
      if (view.state === "awaiting" && waiter !== "" && view.waiter === waiter) {
        return yield* waitForRound(name, view.generation, view.deadline)
      }
      const started = yield* start(name, options).pipe(
        Effect.map((s): { readonly generation: number; readonly deadline: number | null } | null => s),
        Effect.catchTag("GateBusy", (e) => (whenBusy === "fail" ? Effect.fail(e) : Effect.succeed(null)))
      )
      if (started !== null) return yield* waitForRound(name, started.generation, started.deadline)
      // Someone else's round: start ours when it ends.
      yield* Effect.sleep(BUSY_POLL_MS)
    }
  }).pipe(
    timeGateWait(name, (outcome) => outcome?._tag ?? "none"),
    Effect.withSpan("gate.await", { attributes: { gate: name } })
  )
