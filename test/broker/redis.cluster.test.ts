/**
 * @module test/broker/redis.cluster — the Redis broker against a three-master
 * Redis Cluster: commands route by slot, multi-key work stays inside one hash
 * tag, and blocking calls still let go when interrupted.
 */
import { Effect, Fiber } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Broker, type Script } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { startRedisCluster } from "../deploy/redisCluster.ts"
import { runScoped } from "../helpers/effect.ts"
import { uniqueName } from "../helpers/redis.ts"

const cluster = await startRedisCluster()
const broker = () => layerRedis({ url: cluster.url, clusterNodes: cluster.nodes })
test.after(() => cluster.stop())

/** Two keys under one hash tag, as `keys.ts` builds them for a queue's processing list. */
const moveOne: Script = {
  name: "test_move_one",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] list  source
-- KEYS[2] list  destination
local rcall = redis.call
return rcall("LMOVE", KEYS[1], KEYS[2], "RIGHT", "LEFT")
`,
  embedded: (store, k) => store.lmove(k[0], k[1], "RIGHT", "LEFT")
}

test("diagnostics report cluster mode", async () => {
  const d = await runScoped(Effect.flatMap(Broker, (b) => b.diagnostics), broker())
  assert.is(d.mode, "cluster")
  assert.is(d.backend, "redis")
})

test("streams, groups and claims work on whichever node owns the stream", async () => {
  const result = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const streams = [uniqueName("s"), uniqueName("s"), uniqueName("s")]
      const delivered: Array<number> = []
      for (const stream of streams) {
        yield* b.ensureGroup(stream, "g", "0")
        yield* b.append(stream, [{ n: "1" }, { n: "2" }], { maxLen: 100 })
        const read = yield* b.readGroup(stream, "g", "c1", { count: 10, blockMs: 0 })
        yield* Effect.sleep("20 millis")
        const claimed = yield* b.claimIdle(stream, "g", "c2", { minIdleMs: 10, count: 10 })
        delivered.push(read.length, ...claimed.map((e) => e.deliveries))
      }
      return delivered
    }),
    broker()
  )
  assert.equal(result, [2, 2, 2, 2, 2, 2, 2, 2, 2])
})

test("a queue and its processing list share a slot, so leases and scripts move items between them", async () => {
  const k = keys(uniqueName("cluster"))
  const queue = k.queue(uniqueName("q"))
  const processing = k.processing(queue, "w1")
  const result = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      yield* b.push(queue, ["a", "b", "c", "d"])
      const one = yield* b.lease(queue, processing, 0)
      const many = yield* b.leaseMany(queue, processing, 2)
      const scripted = yield* b.run(moveOne, [queue, processing], [])
      const waiting = yield* Effect.fork(b.lease(queue, processing, 5000))
      yield* Effect.sleep("100 millis")
      yield* b.push(queue, ["e"])
      const woken = yield* Fiber.join(waiting)
      return { one, many, scripted, woken, held: yield* b.listRange(processing, 0, -1) }
    }),
    broker()
  )
  assert.equal(result, { one: "a", many: ["b", "c"], scripted: "d", woken: "e", held: ["e", "d", "c", "b", "a"] })
})

test("delete and hashGetMany span keys in different slots", async () => {
  const names = Array.from({ length: 6 }, () => uniqueName("h"))
  const result = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      for (const name of names) yield* b.hashSet(name, { name }, 60_000)
      const read = yield* b.hashGetMany(names)
      const deleted = yield* b.delete(names)
      return { read, deleted, after: yield* b.hashGetMany(names) }
    }),
    broker()
  )
  assert.equal(result.read, names.map((name) => ({ name })))
  assert.is(result.deleted, 6)
  assert.equal(result.after, names.map(() => null))
})

test("interrupting a blocking take in a cluster releases it", async () => {
  const list = uniqueName("l")
  const value = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const fiber = yield* Effect.fork(b.take(list, 10_000))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      yield* Effect.sleep("100 millis")
      yield* b.push(list, ["kept"])
      return yield* b.listRange(list, 0, -1)
    }),
    broker()
  )
  assert.equal(value, ["kept"])
})

test.run()
