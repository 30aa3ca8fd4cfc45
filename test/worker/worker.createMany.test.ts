/**
 * @module test/worker/worker.createMany — a bulk enqueue's records, built from
 * a template copied per record on Redis (COPY keeps the TTL), are field for
 * field what the rows and the shared fields say (plus `expires_at`, the key's
 * own expiry), on both brokers: rows whose type or max attempts differ from
 * the first row's, payloads of every size, no template left behind, and the
 * batch's counter (pushBatch) grown by each call's records.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Layer } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import type { StreamUnavailable } from "../../src/errors.ts"
import { createMany } from "../../actors/worker/scripts/index.ts"
import { createManyArgv, type CreateItem } from "../../actors/worker/scripts/createMany.ts"
import { ttlOf } from "../helpers/expiry.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

const TTL_MS = 3_600_000


const rows = (): Array<CreateItem> => [
  { id: uniqueName("a"), type: "add", payloadJson: "{\"a\":1,\"b\":2}", maxAttempts: 5 },
  { id: uniqueName("b"), type: "add", payloadJson: "{\"a\":3,\"b\":4}", maxAttempts: 5 },
  { id: uniqueName("c"), type: "message", payloadJson: JSON.stringify({ message: "x".repeat(5_000) }), maxAttempts: 5 },
  { id: uniqueName("d"), type: "add", payloadJson: "null", maxAttempts: 1 },
  { id: uniqueName("e"), type: "sleep", payloadJson: "{\"ms\":1}", maxAttempts: 9 }
]

const shared = ["queue", "q", "status", "queued", "initiated_by", "api-a", "created_at", "1700000000000"]

const check = (name: string, layer: () => Promise<Layer.Layer<Broker, StreamUnavailable>>) =>
  test(`createMany writes each row's record exactly, with its TTL, and leaves no template (${name})`, async () => {
    const k = keys(uniqueName("p"))
    const items = rows()
    const out = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      const created = yield* broker.run(createMany, [k.taskIndex(), k.taskTemplate(), k.taskBatch("b")], createManyArgv(TTL_MS, k.task(""), shared, items.slice(0, 2)))
      const createdToo = yield* broker.run(createMany, [k.taskIndex(), k.taskTemplate(), k.taskBatch("b")], createManyArgv(TTL_MS, k.task(""), shared, items.slice(2)))
      const counted = yield* broker.getValue(k.taskBatch("b"))
      const records = yield* broker.hashGetMany(items.map((i) => k.task(i.id)))
      const template = yield* broker.hashGet(k.taskTemplate())
      const index = yield* broker.listRange(k.taskIndex(), 0, -1)
      const ttls = yield* Effect.forEach(items, (i) => Effect.map(broker.run(ttlOf, [k.task(i.id)], []), (r) => (r as Array<unknown>).map(Number)))
      return { created: Number(created) + Number(createdToo), counted, records, template, index, ttls }
    }).pipe(Effect.provide(await layer()), Effect.scoped))
    assert.is(out.created, items.length)
    assert.is(out.counted, String(items.length), "the batch counter holds every record of both calls")
    items.forEach((item, i) => {
      assert.equal(out.records[i], {
        type: item.type,
        payload: item.payloadJson,
        max_attempts: String(item.maxAttempts),
        queue: "q",
        status: "queued",
        initiated_by: "api-a",
        created_at: "1700000000000",
        expires_at: String(out.ttls[i][1])
      }, `record of row ${i} (expires_at is the key's own expiry)`)
      assert.ok(out.ttls[i][0] > TTL_MS - 5_000 && out.ttls[i][0] <= TTL_MS, `row ${i}: TTL ${out.ttls[i][0]}`)
    })
    assert.is(out.template, null, "the template is gone")
    assert.equal(out.index, items.map((i) => i.id).reverse(), "ids newest first in the index")
  })

check("Redis", async () => layerRedis({ url: (await sharedRedis()).url, keyPrefix: "t" }))
check("embedded", async () => layerMemory())

test.run()
