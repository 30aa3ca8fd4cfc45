/**
 * @module gate/routes — seed 000's IO endpoints: `POST /io/start`,
 * `POST /io/write`, `GET /io/read`, `GET /io` (the kernel serves `/api/io/*`
 * as aliases). A gate is chosen with `gate` in the query or the body.
 */
import { Effect, Schema } from "effect"
import { Hono, type Context as HonoContext } from "hono"
import type { Broker } from "../../src/broker/Broker.ts"
import type { AppConfig } from "../../src/config.ts"
import { InvalidPayload, NotFound, PayloadTooLarge } from "../../src/errors.ts"
import { type AppEnv, decodeInput, parseJson, readText, type Runner } from "../../src/http/routes.ts"
import { checkGateName, type GateView, readGate, readLastMessage, start, write } from "./state.ts"

const StartBody = Schema.Struct({
  prompt: Schema.optional(Schema.String.pipe(Schema.maxLength(4096))),
  timeout_ms: Schema.optional(Schema.Int.pipe(Schema.between(1, 7 * 24 * 3600 * 1000))),
  gate: Schema.optional(Schema.String)
})

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The JSON shape of a gate's state. */
export const viewJson = (v: GateView) => ({
  gate: v.gate,
  state: v.state,
  awaiting_io: v.state === "awaiting",
  prompt: v.prompt,
  started_at: iso(v.startedAt),
  deadline: iso(v.deadline),
  waiter: v.waiter,
  generation: v.generation,
  last_outcome: v.outcome,
  last_message_at: iso(v.lastMessageAt)
})

const bodyObject = (text: string) =>
  text.trim() === "" ? Effect.succeed({} as unknown) : parseJson(text)

/** `{"message"}` JSON, or the raw text body (seed 004 style). */
const messageOf = (c: HonoContext<AppEnv>, text: string) =>
  Effect.gen(function*() {
    const type = c.req.header("content-type") ?? ""
    const looksJson = type.includes("json") || /^\s*\{/.test(text)
    if (looksJson) {
      const parsed = yield* (type.includes("json") ? parseJson(text) : parseJson(text).pipe(Effect.orElseSucceed(() => null)))
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        const body = parsed as Record<string, unknown>
        if (typeof body.message !== "string") {
          return yield* Effect.fail(new InvalidPayload({ message: "invalid body: message: expected a string", issues: [{ path: "message", message: "expected a string" }] }))
        }
        return { message: body.message, gate: body.gate }
      }
      if (type.includes("json")) {
        return yield* Effect.fail(new InvalidPayload({ message: "invalid body: expected {\"message\": string}", issues: [{ path: "(root)", message: "expected an object" }] }))
      }
    }
    return { message: text, gate: undefined as unknown }
  })

/** The gate's routes, built with the actor's runtime. */
export const gateRoutes = (run: Runner<Broker | AppConfig>, maxMessageBytes: number) =>
  new Hono<AppEnv>()
    .post("/io/start", (c) =>
      run(c, Effect.gen(function*() {
        const body = yield* decodeInput(StartBody, yield* bodyObject(yield* readText(c)))
        const name = yield* checkGateName(c.req.query("gate") ?? body.gate)
        const started = yield* start(name, { prompt: body.prompt, timeoutMs: body.timeout_ms })
        return c.json({
          gate: name, state: "awaiting", awaiting_io: true, generation: started.generation, prompt: body.prompt ?? null,
          started_at: iso(started.startedAt), deadline: iso(started.deadline)
        })
      })))
    .post("/io/write", (c) =>
      run(c, Effect.gen(function*() {
        const input = yield* messageOf(c, yield* readText(c))
        const name = yield* checkGateName(c.req.query("gate") ?? input.gate)
        if (input.message.trim() === "") {
          return yield* Effect.fail(new InvalidPayload({ message: "message must not be empty", issues: [{ path: "message", message: "must not be empty" }] }))
        }
        const bytes = new TextEncoder().encode(input.message).length
        if (bytes > maxMessageBytes) {
          return yield* Effect.fail(new PayloadTooLarge({ message: `message is ${bytes} bytes; IO_MESSAGE_MAX_BYTES is ${maxMessageBytes}`, limit: maxMessageBytes }))
        }
        const written = yield* write(name, input.message)
        return c.json({ gate: name, state: "idle", delivered: true, generation: written.generation, at: iso(written.at) })
      })))
    .get("/io/read", (c) =>
      run(c, Effect.gen(function*() {
        const name = yield* checkGateName(c.req.query("gate"))
        const last = yield* readLastMessage(name)
        if (last === null) return yield* Effect.fail(new NotFound({ message: `no message has been written to gate "${name}"` }))
        return c.json({ gate: name, message: last.message, at: iso(last.at), timestamp: last.at })
      })))
    .get("/io", (c) =>
      run(c, Effect.gen(function*() {
        const name = yield* checkGateName(c.req.query("gate"))
        return c.json(viewJson(yield* readGate(name)))
      })))
