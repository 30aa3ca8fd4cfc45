/**
 * @module tasks/inputs — the task API's edge: every query and body is decoded
 * here, so a bad request is a 4xx naming the field before anything is queued.
 */
import { Effect, Schema } from "effect"
import { decodeInput, parseJson } from "../../src/http/routes.ts"
import { InvalidPayload, PayloadTooLarge } from "../../src/errors.ts"
import { handlerFor, MAX_OPERAND, Operand, taskHandlers } from "../worker/handlers.ts"

/** A decimal number as text; "NaN", "Infinity", "0x10" and "" are not numbers here. */
const NumberText = Schema.String.pipe(
  Schema.filter((s) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) || "must be a decimal number"),
  Schema.compose(Schema.NumberFromString),
  Schema.compose(Operand)
)

/** `GET /add?a=&b=`. */
export const AddQuery = Schema.Struct({ a: NumberText, b: NumberText })
export { MAX_OPERAND }

const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))
const Status = Schema.Literal("queued", "running", "retrying", "succeeded", "failed")

/** `GET /tasks?status=&type=&q=&limit=`. */
export const ListQuery = Schema.Struct({
  status: Schema.optional(Status),
  type: Schema.optional(Schema.String.pipe(Schema.maxLength(100))),
  q: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  limit: Schema.optional(Limit)
})

/** The general `POST /task` form. */
const GeneralTask = Schema.Struct({
  type: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  payload: Schema.optional(Schema.Unknown),
  max_attempts: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.between(1, 1000))),
  idempotency_key: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)))
})

/** A validated task to create. */
export interface TaskRequest {
  readonly type: string
  readonly payload: unknown
  readonly maxAttempts: number | undefined
  readonly idempotencyKey: string | undefined
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const checkSize = (value: unknown, limit: number, what: string) => {
  const bytes = new TextEncoder().encode(JSON.stringify(value ?? null)).length
  return bytes > limit
    ? Effect.fail(new PayloadTooLarge({ message: `${what} is ${bytes} bytes; the limit is ${limit} (MAX_MESSAGE_BYTES)`, limit }))
    : Effect.void
}

/** Most tasks one bulk `POST /task` (a JSON array) may carry. */
export const TASK_BULK_MAX = 1000

/**
 * One task object: seed 001's `{"a","b"}` or `{"type","payload",…}`; the payload is checked by its
 * type's schema. `at` prefixes issue paths (`[3]` inside a bulk array).
 */
const decodeTaskObject = (body: unknown, payloadLimit: number, at: ReadonlyArray<PropertyKey>) =>
  Effect.gen(function*() {
    const where = at.length === 0 ? "(root)" : at.map(String).join(".")
    if (!isObject(body)) {
      return yield* new InvalidPayload({ message: at.length === 0 ? "body must be a JSON object" : `invalid body: ${where}: a task must be a JSON object`, issues: [{ path: where, message: "expected an object" }] })
    }
    if (!("type" in body)) {
      const { a, b } = yield* decodeInput(AddPayloadBody, body, "body", at)
      return { type: "add", payload: { a, b }, maxAttempts: undefined, idempotencyKey: undefined } satisfies TaskRequest
    }
    const general = yield* decodeInput(GeneralTask, body, "body", at)
    const handler = handlerFor(general.type)
    if (handler === undefined) {
      const known = taskHandlers.map((h) => h.type).join(", ")
      const path = [...at, "type"].map(String).join(".")
      return yield* new InvalidPayload({
        message: `invalid body: ${path}: unknown task type "${general.type}" (known: ${known})`,
        issues: [{ path, message: `unknown task type; known: ${known}` }]
      })
    }
    yield* checkSize(general.payload, payloadLimit, at.length === 0 ? "payload" : `${where}.payload`)
    // Decoded only to validate: the worker decodes again, and stores what was sent.
    yield* decodeInput(handler.schema, general.payload, "payload", [...at, "payload"])
    return {
      type: general.type,
      payload: general.payload,
      maxAttempts: general.max_attempts,
      idempotencyKey: general.idempotency_key
    } satisfies TaskRequest
  })

/**
 * Decode a `POST /task` body: one task object, or a JSON array of up to
 * `TASK_BULK_MAX` of them (bulk enqueue; no idempotency keys there, since a
 * bulk request is all-or-nothing). Issues name the item: `[3].payload.a`.
 */
export const decodeTaskBodies = (text: string, payloadLimit: number) =>
  Effect.gen(function*() {
    const body = yield* parseJson(text)
    if (!Array.isArray(body)) return { bulk: false as const, tasks: [yield* decodeTaskObject(body, payloadLimit, [])] }
    if (body.length === 0 || body.length > TASK_BULK_MAX) {
      return yield* new InvalidPayload({
        message: `a bulk body holds 1 to ${TASK_BULK_MAX} tasks, got ${body.length}`,
        issues: [{ path: "(root)", message: `expected 1 to ${TASK_BULK_MAX} tasks` }]
      })
    }
    const tasks: Array<TaskRequest> = []
    for (let i = 0; i < body.length; i++) {
      const task = yield* decodeTaskObject(body[i], payloadLimit, [`[${i}]`])
      if (task.idempotencyKey !== undefined) {
        return yield* new InvalidPayload({
          message: `invalid body: [${i}].idempotency_key: not supported in a bulk request (send that task alone)`,
          issues: [{ path: `[${i}].idempotency_key`, message: "not supported in a bulk request" }]
        })
      }
      tasks.push(task)
    }
    return { bulk: true as const, tasks }
  })

const AddPayloadBody = Schema.Struct({ a: Operand, b: Operand })

/** Decode a `POST /enqueue` body (seed 004): plain text, or JSON `{"message": "…"}`. */
export const decodeEnqueueBody = (text: string, contentType: string | undefined, limit: number) =>
  Effect.gen(function*() {
    const isJson = (contentType ?? "").toLowerCase().includes("json")
    let message: string = text
    if (isJson || text.trimStart().startsWith("{")) {
      const parsed = isJson ? yield* parseJson(text) : yield* Effect.orElseSucceed(parseJson(text), () => undefined)
      if (parsed !== undefined) {
        if (!isObject(parsed) && isJson) {
          return yield* new InvalidPayload({ message: "body must be a JSON object", issues: [{ path: "(root)", message: "expected an object" }] })
        }
        if (isObject(parsed)) message = (yield* decodeInput(Schema.Struct({ message: Schema.String }), parsed)).message
      }
    }
    if (message.trim().length === 0) {
      return yield* new InvalidPayload({ message: "invalid body: message: must not be empty", issues: [{ path: "message", message: "must not be empty" }] })
    }
    const bytes = new TextEncoder().encode(message).length
    if (bytes > limit) {
      return yield* new PayloadTooLarge({ message: `message is ${bytes} bytes; the limit is ${limit} (MAX_MESSAGE_BYTES)`, limit })
    }
    return message
  })
