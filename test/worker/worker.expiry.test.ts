/**
 * @module test/worker/worker.expiry — task records' TTLs (worker/scripts/expireAt),
 * on both brokers: every script that sets one writes the same deadline into
 * the record as `expires_at`; a success renews the TTL to TASK_TTL_S from now
 * only when its task was queued more than TTL / RENEW_SLACK ago (or its
 * `created_at` is ahead of the worker's clock).
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Effect, Layer } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { keys, type Keys } from "../../src/broker/keys.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import type { Script } from "../../src/broker/Script.ts"
import type { StreamUnavailable } from "../../src/errors.ts"
import { createMany, createTask, finishMany, startMany, updateTask } from "../../actors/worker/scripts/index.ts"
import { createManyArgv } from "../../actors/worker/scripts/createMany.ts"
import { RENEW_SLACK } from "../../actors/worker/scripts/expireAt.ts"
import { finishManyArgv } from "../../actors/worker/scripts/finishMany.ts"
import { ttlOf } from "../helpers/expiry.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

const HOUR = 3_600_000
/** A TTL read back within this of the one set (the script, the round trips, a loaded box). */
const SLACK_MS = 5_000

/** A record as code before `expires_at` wrote it: the fields and a plain PEXPIRE. */
const oldRecord: Script = {
  name: "test_oldRecord",
  numberOfKeys: 1,
  lua: "local rcall = redis.call\nrcall(\"HSET\", KEYS[1], \"status\", \"queued\", \"type\", \"add\")\nreturn rcall(\"PEXPIRE\", KEYS[1], ARGV[1])",
  embedded: (store, keys, argv) => {
    store.hset(keys[0], { status: "queued", type: "add" })
    return store.pexpire(keys[0], Number(argv[0])) ? 1 : 0
  }
}

type Layered = () => Promise<Layer.Layer<Broker, StreamUnavailable>>

const inBroker = async <A>(layer: Layered, body: (broker: Broker["Type"]) => Effect.Effect<A, StreamUnavailable>) =>
  Effect.runPromise(Effect.flatMap(Broker, body).pipe(Effect.provide(await layer()), Effect.scoped))

/** `{ ttl, expiry, field }` of a record: its PTTL, its absolute expiry and its `expires_at` field. */
const expiryOf = (broker: Broker["Type"], key: string) =>
  Effect.gen(function*() {
    const [ttl, expiry] = ((yield* broker.run(ttlOf, [key], [])) as Array<unknown>).map(Number)
    const record = yield* broker.hashGet(key)
    return { ttl, expiry, field: record?.expires_at }
  })

const create = (broker: Broker["Type"], k: Keys, ids: ReadonlyArray<string>, ttlMs: number) =>
  broker.run(createMany, [k.taskIndex(), k.taskTemplate(), k.taskBatch(uniqueName("b"))], createManyArgv(ttlMs, k.task(""), ["queue", "q", "status", "queued", "created_at", "1"], ids.map((id) => ({ id, type: "add", payloadJson: "{\"a\":1,\"b\":2}", maxAttempts: 3 }))))

const check = (backend: string, layer: Layered) => {
  test(`every script that sets a record's TTL writes its deadline as expires_at (${backend})`, async () => {
    const k = keys(uniqueName("p"))
    const [bulk, single, raw] = [uniqueName("bulk"), uniqueName("single"), uniqueName("raw")]
    const out = await inBroker(layer, (broker) =>
      Effect.gen(function*() {
        yield* create(broker, k, [bulk], HOUR)
        yield* broker.run(createTask, [k.idempotency("x"), k.task(single), k.taskIndex()], ["0", String(HOUR), single, "status", "queued", "type", "add"])
        yield* broker.run(startMany, [k.taskIndex()], [String(Date.now()), String(HOUR), "W", k.task(""), JSON.stringify([[raw, "status", "queued", "type", "message"]])])
        const created = { bulk: yield* expiryOf(broker, k.task(bulk)), single: yield* expiryOf(broker, k.task(single)), raw: yield* expiryOf(broker, k.task(raw)) }
        yield* broker.run(updateTask, [k.task(single)], [String(2 * HOUR), "", "status", "retrying"])
        return { created, updated: yield* expiryOf(broker, k.task(single)) }
      }))
    for (const [name, e] of Object.entries(out.created)) {
      assert.ok(e.ttl > HOUR - SLACK_MS && e.ttl <= HOUR, `${name}: PTTL ${e.ttl}, expected ≈ ${HOUR}`)
      assert.is(e.field, String(e.expiry), `${name}: expires_at is the key's expiry`)
    }
    assert.ok(out.updated.ttl > 2 * HOUR - SLACK_MS, `updateTask renews: PTTL ${out.updated.ttl}`)
    assert.is(out.updated.field, String(out.updated.expiry), "updateTask: expires_at is the new expiry")
  })

  test(`in one finishMany, a success renews the TTL (to TTL from now, in expires_at too) only for a task queued more than TTL / ${RENEW_SLACK} ago or with a created_at ahead of the worker's clock (${backend})`, async () => {
    const k = keys(uniqueName("p"))
    const ids = Array.from({ length: 5 }, (_, i) => uniqueName(`t${i}`))
    const old = uniqueName("old")
    const now = Date.now()
    // Queued an hour ago by the record's TTL; finished with a TTL of two hours, so a renewal shows.
    const ttl = 2 * HOUR
    const queuedAt = [now - 1_000, now - Math.floor(ttl / RENEW_SLACK) + 5_000, now - 2 * Math.floor(ttl / RENEW_SLACK), now + 60_000]
    const out = await inBroker(layer, (broker) =>
      Effect.gen(function*() {
        yield* create(broker, k, ids, HOUR)
        yield* broker.run(oldRecord, [k.task(old)], [String(HOUR)])
        const before = yield* Effect.forEach([...ids, old], (id) => expiryOf(broker, k.task(id)))
        const rows = [...queuedAt.map((createdAt, i) => ({ taskId: ids[i], result: "3", createdAt })), { taskId: old, result: "3", createdAt: now }]
        const updated = yield* Effect.map(broker.run(finishMany, [k.taskIndex()], finishManyArgv(now, ttl, k.task(""), "W", rows)), Number)
        const after = yield* Effect.forEach([...ids, old], (id) => expiryOf(broker, k.task(id)))
        const records = yield* broker.hashGetMany([...ids, old].map((id) => k.task(id)))
        return { updated, before, after, records }
      }))
    assert.is(out.updated, 5)
    assert.equal(out.records.map((r) => [r?.status, r?.result, r?.handled_by]), [...Array(4).fill(["succeeded", "3", "W"]), ["queued", undefined, undefined], ["succeeded", "3", "W"]])
    const kept = (i: number, why: string) => assert.equal(out.after[i], { ...out.before[i], ttl: out.after[i].ttl }, `${why}: expiry and expires_at kept`)
    const renewed = (i: number, why: string) => {
      assert.ok(out.after[i].ttl > ttl - SLACK_MS && out.after[i].ttl <= ttl, `${why}: PTTL ${out.after[i].ttl}, expected ≈ ${ttl}`)
      assert.is(out.after[i].field, String(out.after[i].expiry), `${why}: expires_at follows the key's expiry`)
    }
    kept(0, "queued a second ago")
    kept(1, "queued just within the slack")
    renewed(2, "queued twice the slack ago")
    renewed(3, "created_at ahead of the worker's clock")
    kept(4, "not finished")
    kept(5, "an older record (no expires_at) queued just now")
    assert.is(out.after[5].field, undefined)
  })
}

check("Redis", async () => layerRedis({ url: (await sharedRedis()).url, keyPrefix: "t" }))
check("embedded", async () => layerMemory())

test.run()
