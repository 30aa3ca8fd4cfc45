/**
 * @module test/broker/contract — one suite that every `Broker` backend must
 * pass, so the embedded broker and Redis can't drift apart. Each test builds a
 * fresh layer (its scope closes connections and clears state) and uses its own
 * stream/list/key names, so a shared Redis server is safe.
 */
import { suite, type Test } from "uvu"
import type { Effect, Layer } from "effect"
import type { Broker } from "../../src/broker/Broker.ts"
import { runScoped } from "../helpers/effect.ts"
import { keyContract } from "./contract/keys.ts"
import { listContract } from "./contract/lists.ts"
import { scriptContract } from "./contract/scripts.ts"
import { streamContract } from "./contract/streams.ts"
import { blockingContract } from "./contract/blocking.ts"

/** Run one test's program against a freshly built broker. */
export type RunWithBroker = <A, E>(program: Effect.Effect<A, E, Broker>) => Promise<A>

/**
 * Register the broker contract as the uvu suite `broker contract [name]` and
 * return it; the caller runs it (`brokerContract(…).run()`), after adding any
 * hooks it needs (e.g. stopping a Redis server in `after`).
 */
export const brokerContract = (name: string, makeLayer: () => Layer.Layer<Broker, unknown>): Test => {
  const test = suite(`broker contract [${name}]`)
  const run: RunWithBroker = (program) => runScoped(program, makeLayer())
  streamContract(test, run)
  blockingContract(test, run)
  listContract(test, run)
  keyContract(test, run)
  scriptContract(test, run)
  return test
}
