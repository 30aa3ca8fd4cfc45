/**
 * @module test/worker/worker.ackMany — acking a batch off a processing list:
 * the usual batch (the list's oldest items, oldest first) and every other kind
 * (out of order, not at the tail, duplicates, already gone) leave the same list
 * as one LREM from the tail per item would, on both brokers.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Layer } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import type { StreamUnavailable } from "../../src/errors.ts"
import { ackMany } from "../../actors/worker/scripts/index.ts"
import { ackManyArgv } from "../../actors/worker/scripts/ackMany.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

/** The list as LPUSHes of `leased` (oldest first) leave it, then one LREM -1 per ack: what ackMany must leave. */
const expected = (leased: ReadonlyArray<string>, acks: ReadonlyArray<string>) => {
  const list = [...leased].reverse()
  let removed = 0
  for (const ack of acks) {
    const at = list.lastIndexOf(ack)
    if (at >= 0) {
      list.splice(at, 1)
      removed++
    }
  }
  return { list, removed }
}

const cases: ReadonlyArray<{ readonly name: string; readonly leased: ReadonlyArray<string>; readonly acks: ReadonlyArray<string> }> = [
  { name: "the oldest items, oldest first", leased: ["a", "b", "c", "d", "e"], acks: ["a", "b", "c"] },
  { name: "every item, oldest first", leased: ["a", "b", "c"], acks: ["a", "b", "c"] },
  { name: "the oldest items, out of order", leased: ["a", "b", "c", "d"], acks: ["b", "a"] },
  { name: "newer items while an older one still runs", leased: ["a", "b", "c", "d"], acks: ["b", "c"] },
  { name: "duplicates (two raw items alike)", leased: ["x", "a", "x", "b"], acks: ["x", "a", "x"] },
  { name: "some already gone (a reaper returned them)", leased: ["a", "b"], acks: ["a", "zz", "b"] },
  { name: "more acks than items", leased: ["a"], acks: ["a", "b", "c"] },
  { name: "an empty batch", leased: ["a", "b"], acks: [] }
]

const check = (backend: string, layer: () => Promise<Layer.Layer<Broker, StreamUnavailable>>) =>
  test(`ackMany leaves what one LREM per item would, for every kind of batch (${backend})`, async () => {
    for (const c of cases) {
      const list = uniqueName("processing")
      const out = await Effect.runPromise(Effect.gen(function*() {
        const broker = yield* Broker
        if (c.leased.length > 0) yield* broker.push(list, c.leased)
        const removed = yield* broker.run(ackMany, [list], ackManyArgv(c.acks))
        return { removed: Number(removed), list: yield* broker.listRange(list, 0, -1) }
      }).pipe(Effect.provide(await layer()), Effect.scoped))
      assert.equal(out, expected(c.leased, c.acks), c.name)
    }
  })

check("Redis", async () => layerRedis({ url: (await sharedRedis()).url, keyPrefix: "t" }))
check("embedded", async () => layerMemory())

test.run()
