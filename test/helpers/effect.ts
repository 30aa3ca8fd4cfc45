/** @module test/helpers/effect — the uvu stand-in for `it.effect`: run a scoped program with a layer. */
import { Effect, type Layer } from "effect"

/** Run `program` with `layer` provided, in a scope closed when it ends; rejects with the pretty cause. */
export const runScoped = <A, E, R, E2>(
  program: Effect.Effect<A, E, R>,
  layer: Layer.Layer<R, E2, never>
): Promise<A> => Effect.runPromise(program.pipe(Effect.provide(layer), Effect.scoped))
