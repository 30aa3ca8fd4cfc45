/**
 * @module gate/state — the gate's stored state as a typed view, the
 * transitions as Effects (script replies → `GateBusy`), and name checks.
 * State lives in the hash `keys(prefix).gate(name)`; the distributor's
 * `GET /logs` reads its `state`, `prompt` and `started_at` fields.
 */
import { Effect } from "effect"
import { Broker, type Reply } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { AppConfig } from "../../src/config.ts"
import { GateBusy, InvalidPayload } from "../../src/errors.ts"
import { INBOX_MAX, writeGate } from "./scripts/write.ts"
import { startGate } from "./scripts/start.ts"
import { timeoutGate } from "./scripts/timeout.ts"

export const DEFAULT_GATE = "default"

/** What `GET /io` shows. */
export interface GateView {
  readonly gate: string
  readonly state: "idle" | "awaiting"
  readonly prompt: string | null
  readonly startedAt: number | null
  readonly deadline: number | null
  readonly waiter: string | null
  readonly generation: number
  readonly outcome: "message" | "timeout" | null
  readonly lastMessageAt: number | null
}

const num = (s: string | undefined): number | null => (s === undefined || s === "" || Number.isNaN(Number(s)) ? null : Number(s))
const text = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s)

/** Decode the hash (null when the gate was never used). */
export const toView = (gate: string, hash: Record<string, string> | null): GateView => ({
  gate,
  state: hash?.state === "awaiting" ? "awaiting" : "idle",
  prompt: text(hash?.prompt),
  startedAt: num(hash?.started_at),
  deadline: num(hash?.deadline),
  waiter: text(hash?.waiter),
  generation: num(hash?.gen) ?? 0,
  outcome: hash?.outcome === "message" || hash?.outcome === "timeout" ? hash.outcome : null,
  lastMessageAt: num(hash?.message_at)
})

/** Gate names become part of a Redis key: keep them short and plain. */
export const checkGateName = (name: unknown): Effect.Effect<string, InvalidPayload> => {
  if (name === undefined || name === null || name === "") return Effect.succeed(DEFAULT_GATE)
  if (typeof name === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(name)) return Effect.succeed(name)
  return Effect.fail(new InvalidPayload({
    message: "invalid gate: use 1-64 characters from A-Z a-z 0-9 _ . : -",
    issues: [{ path: "gate", message: "expected 1-64 characters from A-Z a-z 0-9 _ . : -" }]
  }))
}

const gateKeys = (name: string) =>
  Effect.map(AppConfig, (config) => {
    const k = keys(config.keyPrefix)
    return { hash: k.gate(name), inbox: k.gateInbox(name) }
  })

const at = (reply: Reply, i: number): Reply => (Array.isArray(reply) ? (reply as ReadonlyArray<Reply>)[i] ?? null : null)

/** Read a gate's state, first applying its deadline (so a timed-out gate never reads as awaiting). */
export const readGate = (name: string) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { hash } = yield* gateKeys(name)
    yield* broker.run(timeoutGate, [hash], [String(Date.now()), ""])
    return toView(name, yield* broker.hashGet(hash))
  })

/** The last message written to a gate and when, or null. */
export const readLastMessage = (name: string) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { hash } = yield* gateKeys(name)
    const h = yield* broker.hashGet(hash)
    if (!h || h.message === undefined || h.message_at === undefined) return null
    return { message: h.message, at: Number(h.message_at) }
  })

/** idle → awaiting. Fails with GateBusy when the gate is already awaiting. */
export const start = (name: string, options: { readonly prompt?: string; readonly timeoutMs?: number; readonly waiter?: string } = {}) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { hash } = yield* gateKeys(name)
    const now = Date.now()
    const reply = yield* broker.run(startGate, [hash], [now.toString(), options.prompt ?? "", String(Math.max(0, Math.trunc(options.timeoutMs ?? 0))), options.waiter ?? ""])
    if (at(reply, 0) !== 1) {
      const since = Number(at(reply, 2))
      return yield* Effect.fail(new GateBusy({
        message: `gate "${name}" is already awaiting input${Number.isFinite(since) && since > 0 ? ` (since ${new Date(since).toISOString()})` : ""}; write to it or wait for it to finish`,
        gate: name,
        state: "awaiting"
      }))
    }
    return { generation: Number(at(reply, 1)), startedAt: now, deadline: options.timeoutMs && options.timeoutMs > 0 ? now + Math.trunc(options.timeoutMs) : null }
  }).pipe(Effect.withSpan("gate.start", { attributes: { gate: name, waiter: options.waiter ?? "" } }))

/** awaiting → idle with `message` stored and queued for exactly one waiter. GateBusy when nothing awaits. */
export const write = (name: string, message: string) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { hash, inbox } = yield* gateKeys(name)
    const now = Date.now()
    const reply = yield* broker.run(writeGate, [hash, inbox], [now.toString(), message, String(INBOX_MAX)])
    if (at(reply, 0) !== 1) {
      return yield* Effect.fail(new GateBusy({
        message: `gate "${name}" is not awaiting input, so the message was not delivered; POST /io/start first`,
        gate: name,
        state: String(at(reply, 1) ?? "idle")
      }))
    }
    return { generation: Number(at(reply, 1)), at: now }
  }).pipe(Effect.withSpan("gate.write", { attributes: { gate: name } }))

/** End round `generation` if its deadline passed; true when this call did it. */
export const expire = (name: string, generation: number) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const { hash } = yield* gateKeys(name)
    return (yield* broker.run(timeoutGate, [hash], [String(Date.now()), String(generation)])) === 1
  }).pipe(Effect.withSpan("gate.expire", { attributes: { gate: name, generation } }))

/** The keys of a gate, for the waiter. */
export const keysOf = gateKeys
