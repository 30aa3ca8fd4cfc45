/**
 * @module worker/handlers — the typed registry of task types. Each handler
 * names its type, the Schema its payload must decode with (checked at the HTTP
 * edge by `POST /task` and again by the worker for items that arrive raw), and
 * what it runs. To add a type, write `defineHandler(...)` (an Effect: I/O,
 * waiting, retries) or `definePureHandler(...)` (a plain computation of the
 * payload, which the worker runs straight from the lease, with no fiber and no
 * `running` write per task: worker/direct) and add it to
 * `taskHandlers` below — one line.
 */
import { Effect, Schema } from "effect"
import { appendFile, mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import type { Broker } from "../../src/broker/Broker.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { PermanentFailure } from "../../src/errors.ts"
import { askHandler } from "../gate/ask.ts"

/** What a handler knows about the attempt it runs. */
export interface TaskContext {
  readonly taskId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly maxAttempts: number
  readonly queue: string
  readonly config: AppConfigShape
}

/** A handler may use the broker (e.g. to wait on a gate); its failure is retried unless it is a `PermanentFailure`. */
export type HandlerRequirements = Broker

/** One task type. The result is stored as JSON in the task record. */
export interface TaskHandler<A = unknown, I = unknown> {
  readonly type: string
  readonly schema: Schema.Schema<A, I>
  readonly run: (payload: A, context: TaskContext) => Effect.Effect<unknown, unknown, HandlerRequirements>
  /** It waits for a person (e.g. `ask`): however long it runs, the worker is not stuck. */
  readonly waitsForPerson?: boolean
  /**
   * Set for pure handlers: the same computation as `run`, as a plain function of the payload
   * alone (a throw is a failed attempt). Computing it twice is harmless, so the worker runs
   * such tasks straight from the lease, without marking them running (worker/direct).
   */
  readonly compute?: (payload: A) => unknown
}

/** Define a handler with its payload type inferred from `schema`. */
export const defineHandler = <A, I>(
  type: string,
  schema: Schema.Schema<A, I>,
  run: (payload: A, context: TaskContext) => Effect.Effect<unknown, unknown, HandlerRequirements>
): TaskHandler => ({ type, schema: schema as unknown as Schema.Schema<unknown, unknown>, run: run as TaskHandler["run"] })

/**
 * Define a pure handler: its result depends on the payload alone (no I/O, no waiting, not the
 * attempt number), so it can run directly from the lease; `run` is the same computation as an Effect.
 */
export const definePureHandler = <A, I>(
  type: string,
  schema: Schema.Schema<A, I>,
  compute: (payload: A) => unknown
): TaskHandler => ({
  type,
  schema: schema as unknown as Schema.Schema<unknown, unknown>,
  run: ((payload: A) => Effect.try({ try: () => compute(payload), catch: (e) => e })) as TaskHandler["run"],
  compute: compute as TaskHandler["compute"]
})

/** Largest magnitude accepted for `add` operands: beyond it doubles lose integer precision. */
export const MAX_OPERAND = Number.MAX_SAFE_INTEGER

/** A finite number within ±2^53−1 (NaN, Infinity and huge values are rejected by name). */
export const Operand = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) || "must be a finite number"),
  Schema.filter((n) => Math.abs(n) <= MAX_OPERAND || `must be between -${MAX_OPERAND} and ${MAX_OPERAND}`)
)

/** `add` — seed 001's calculation. */
export const AddPayload = Schema.Struct({ a: Operand, b: Operand })
const add = definePureHandler("add", AddPayload, ({ a, b }) => a + b)

/** `message` — seed 004: one line per message in OUTPUT_PATH. */
export const MessagePayload = Schema.Struct({ message: Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" })) })
const message = defineHandler("message", MessagePayload, ({ message }, { config }) =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(dirname(config.outputPath), { recursive: true })
      // One line per message: embedded newlines would split it, so they are written as `\n`.
      await appendFile(config.outputPath, `${message.replace(/\r?\n/g, "\\n")}\n`)
      return { written: config.outputPath }
    },
    catch: (cause) => new Error(`cannot append to OUTPUT_PATH: ${cause instanceof Error ? cause.message : String(cause)}`)
  }))

/**
 * `sleep` — for demos and tests: waits `ms`, then fails while the attempt is ≤
 * `fail_times` (or always with `always_fail`; `permanent` fails without retries).
 */
export const SleepPayload = Schema.Struct({
  ms: Schema.Number.pipe(Schema.int(), Schema.between(0, 600_000)),
  fail_times: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.between(0, 1000))),
  always_fail: Schema.optional(Schema.Boolean),
  permanent: Schema.optional(Schema.Boolean)
})
const sleep = defineHandler("sleep", SleepPayload, (p, { attempt }) =>
  Effect.sleep(p.ms).pipe(
    Effect.zipRight(
      p.permanent
        ? Effect.fail(new PermanentFailure({ message: "sleep: permanent failure requested" }))
        : p.always_fail
        ? Effect.fail(new Error(`sleep: failure requested (attempt ${attempt})`))
        : attempt <= (p.fail_times ?? 0)
        ? Effect.fail(new Error(`sleep: planned failure ${attempt} of ${p.fail_times}`))
        : Effect.succeed({ slept_ms: p.ms, attempt })
    )
  ))

/** Every task type this build knows. Add yours here. */
export const taskHandlers: ReadonlyArray<TaskHandler> = [add, message, sleep, askHandler]

/** Look a handler up by type. */
export const handlerFor = (type: string): TaskHandler | undefined => taskHandlers.find((h) => h.type === type)
