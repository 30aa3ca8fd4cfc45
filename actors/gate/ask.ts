/**
 * @module gate/ask — the `ask` task type: `{"prompt"}` waits for a person.
 * The task starts a round on a gate (the default one unless `gate` is given;
 * if the gate is busy it queues behind the running round), stays `running`
 * while it waits, and succeeds with the reply written to `/io/write` as its
 * result. A retried attempt (e.g. after its worker died) rejoins the round it
 * started instead of starting another.
 */
import { Effect, Schema } from "effect"
import { AppConfig } from "../../src/config.ts"
import { PermanentFailure } from "../../src/errors.ts"
import type { TaskHandler } from "../worker/handlers.ts"
import { awaitGate } from "./await.ts"
import { checkGateName } from "./state.ts"

/** The `ask` payload. */
export const AskPayload = Schema.Struct({
  prompt: Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }), Schema.maxLength(4096)),
  gate: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.:-]{1,64}$/))),
  timeout_ms: Schema.optional(Schema.Int.pipe(Schema.between(1, 7 * 24 * 3600 * 1000)))
})

/** The handler registered in the worker's `taskHandlers` (built without `defineHandler` so the two modules don't import each other at load time). */
export const askHandler: TaskHandler = {
  type: "ask",
  waitsForPerson: true,
  schema: AskPayload as unknown as TaskHandler["schema"],
  run: (input, context) =>
    Effect.gen(function*() {
      const payload = input as typeof AskPayload.Type
      const gate = yield* checkGateName(payload.gate)
      const outcome = yield* awaitGate(gate, {
        prompt: payload.prompt,
        timeoutMs: payload.timeout_ms,
        waiter: `task:${context.taskId}`,
        whenBusy: "queue"
      })
      if (outcome?._tag === "Message") return outcome.message
      if (outcome?._tag === "Timeout") {
        return yield* Effect.fail(new PermanentFailure({ message: `no reply on gate "${gate}" within ${payload.timeout_ms} ms` }))
      }
      return yield* Effect.fail(new Error(`the round on gate "${gate}" ended without a reply for this task`))
    }).pipe(Effect.provideService(AppConfig, context.config))
}
