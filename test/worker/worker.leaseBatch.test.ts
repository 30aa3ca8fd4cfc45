/**
 * @module test/worker/worker.leaseBatch — the batch lease moves items exactly
 * as successive LMOVEs would (tail of the queue → head of the processing
 * list, oldest first in the reply), on Redis and the embedded broker, and a
 * processing list of the wrong type loses nothing (Lua scripts don't roll back).
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Exit } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { leaseBatch } from "../../actors/worker/scripts/index.ts"
import { uniqueName } from "../helpers/redis.ts"
import { BACKENDS, brokerFor, pipelineConfig } from "../distributor/support.ts"

const test = suite("worker leaseBatch script")

for (const backend of BACKENDS) {
  test(`leases oldest first, in LMOVE order, up to the asked count (${backend})`, async () => {
    const config = await pipelineConfig(backend)
    const queue = uniqueName("q")
    const processing = `${queue}:processing`
    const items = Array.from({ length: 10 }, (_, i) => `item ${i}`)
    const seen = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      // LPUSH one at a time, as producers do: item 0 ends at the tail (oldest).
      for (const item of items) yield* broker.push(queue, [item])
      const first = yield* broker.run(leaseBatch, [queue, processing], ["4"])
      const afterFirst = yield* broker.listRange(processing, 0, -1)
      const rest = yield* broker.run(leaseBatch, [queue, processing], ["100"])
      const none = yield* broker.run(leaseBatch, [queue, processing], ["5"])
      return { first, afterFirst, rest, none, processing: yield* broker.listRange(processing, 0, -1), queued: yield* broker.listLength(queue) }
    }).pipe(Effect.provide(brokerFor(config)), Effect.scoped))
    assert.equal(seen.first, items.slice(0, 4))
    assert.equal(seen.afterFirst, items.slice(0, 4).reverse())
    assert.equal(seen.rest, items.slice(4))
    assert.equal(seen.none, [])
    assert.equal(seen.processing, [...items].reverse())
    assert.is(seen.queued, 0)
  })

  test(`a processing list of the wrong type fails the lease and leaves the queue as it was (${backend})`, async () => {
    const config = await pipelineConfig(backend)
    const queue = uniqueName("q")
    const processing = `${queue}:processing`
    const { exit, queued } = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      yield* broker.push(queue, ["a", "b", "c"])
      yield* broker.setValue(processing, "not a list")
      const exit = yield* Effect.exit(broker.run(leaseBatch, [queue, processing], ["2"]))
      return { exit, queued: yield* broker.listRange(queue, 0, -1) }
    }).pipe(Effect.provide(brokerFor(config)), Effect.scoped))
    assert.ok(Exit.isFailure(exit), "the lease fails")
    assert.match(String(Exit.isFailure(exit) ? exit.cause : ""), /WRONGTYPE/)
    assert.equal(queued, ["c", "b", "a"])
  })
}

test.run()
