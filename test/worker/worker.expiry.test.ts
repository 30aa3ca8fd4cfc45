/**
 * @module test/worker/worker.expiry — task records' TTLs (worker/scripts/expireAt),
 * on both brokers: every script that sets one writes the same deadline into
 * the record as `expires_at`; a success renews the TTL to TASK_TTL_S from now
 * unless the record's deadline already lies within TTL / RENEW_SLACK of that,
 * and always when the record has no `expires_at` (an older record).
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

const finish = (broker: Broker["Type"], k: Keys, ids: ReadonlyArray<string>, ttlMs: number) =>
  Effect.map(broker.run(finishMany, [k.taskIndex()], finishManyArgv(Date.now(), ttlMs, k.task(""), "W", ids.map((taskId) => ({ taskId, result: "3" })))), Number)

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

  test(`a success renews the TTL only when the record's deadline lags a fresh one by more than TTL / ${RENEW_SLACK}, or is unknown (${backend})`, async () => {
    const k = keys(uniqueName("p"))
    const ids = Array.from({ length: 4 }, (_, i) => uniqueName(`t${i}`))
    const old = uniqueName("old")
    // Created with an hour; finished with TTLs a little longer: within the slack (0.5% longer) and beyond it (2% longer).
    const within = Math.round(HOUR * (1 + 0.5 / RENEW_SLACK))
    const beyond = Math.round(HOUR * (1 + 2 / RENEW_SLACK))
    const out = await inBroker(layer, (broker) =>
      Effect.gen(function*() {
        yield* create(broker, k, ids, HOUR)
        yield* broker.run(oldRecord, [k.task(old)], [String(HOUR)])
        const before = yield* Effect.forEach([...ids, old], (id) => expiryOf(broker, k.task(id)))
        const updated = (yield* finish(broker, k, ids.slice(0, 2), within)) + (yield* finish(broker, k, [ids[2]], beyond)) +
          (yield* finish(broker, k, [old], HOUR))
        const after = yield* Effect.forEach([...ids, old], (id) => expiryOf(broker, k.task(id)))
        const records = yield* broker.hashGetMany([...ids, old].map((id) => k.task(id)))
        return { updated, before, after, statuses: records.map((r) => r?.status) }
      }))
    assert.is(out.updated, 4)
    assert.equal(out.statuses, ["succeeded", "succeeded", "succeeded", "queued", "succeeded"])
    for (const i of [0, 1]) assert.equal(out.after[i], { ...out.before[i], ttl: out.after[i].ttl }, `finished within the slack: expiry ${i} kept`)
    assert.ok(out.after[2].ttl > beyond - SLACK_MS && out.after[2].ttl <= beyond, `finished beyond the slack: PTTL ${out.after[2].ttl}, expected ≈ ${beyond}`)
    assert.is(out.after[2].field, String(out.after[2].expiry), "renewed: expires_at follows the key's expiry")
    assert.equal(out.after[3], { ...out.before[3], ttl: out.after[3].ttl }, "not finished: untouched")
    assert.is(out.before[4].field, undefined)
    assert.is(out.after[4].field, String(out.after[4].expiry), "an older record without expires_at is renewed and gets the field")
  })
}

check("Redis", async () => layerRedis({ url: (await sharedRedis()).url, keyPrefix: "t" }))
check("embedded", async () => layerMemory())

test.run()
