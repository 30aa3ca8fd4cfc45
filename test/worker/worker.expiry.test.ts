/**
 * @module test/worker/worker.expiry — the scripts that set many TTLs (createMany,
 * finishMany) use PEXPIREAT with a deadline from Redis's own clock
 * (worker/scripts/expireAt): a record's TTL must still be TASK_TTL_S from now,
 * set at creation and renewed at success. Redis only: the embedded twins keep
 * their plain relative TTL and the contract tests cover them.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { Redis } from "ioredis"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { createMany, finishMany } from "../../actors/worker/scripts/index.ts"
import { createManyArgv } from "../../actors/worker/scripts/createMany.ts"
import { finishManyArgv } from "../../actors/worker/scripts/finishMany.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"

/** A TTL read back within this of the one set (the script, the round trips, a loaded box). */
const SLACK_MS = 5_000

test("createMany gives every record its TTL, finishMany renews it to the full TTL again (Redis, PEXPIREAT from TIME)", async () => {
  const redis = await sharedRedis()
  const k = keys(uniqueName("p"))
  const probe = new Redis(redis.url)
  try {
    const ids = Array.from({ length: 5 }, (_, i) => uniqueName(`t${i}`))
    const createTtl = 3_600_000
    const finishTtl = 7_200_000
    await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      const items = ids.map((id) => ({ id, type: "add", payloadJson: "{\"a\":1,\"b\":2}", maxAttempts: 3 }))
      yield* broker.run(createMany, [k.taskIndex(), k.taskTemplate(), k.taskBatch("b")], createManyArgv(createTtl, k.task(""), ["queue", "q", "status", "queued", "created_at", "1"], items))
    }).pipe(Effect.provide(layerRedis({ url: redis.url, keyPrefix: k.prefix })), Effect.scoped))
    for (const id of ids) {
      const ttl = await probe.pttl(k.task(id))
      assert.ok(ttl > createTtl - SLACK_MS && ttl <= createTtl, `created ${id}: PTTL ${ttl}, expected ≈ ${createTtl}`)
    }
    const updated = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      return yield* broker.run(finishMany, [k.taskIndex()], finishManyArgv(Date.now(), finishTtl, k.task(""), "W", ids.slice(0, 3).map((taskId) => ({ taskId, result: "3" }))))
    }).pipe(Effect.provide(layerRedis({ url: redis.url, keyPrefix: k.prefix })), Effect.scoped))
    assert.is(Number(updated), 3)
    for (const [i, id] of ids.entries()) {
      const ttl = await probe.pttl(k.task(id))
      const expected = i < 3 ? finishTtl : createTtl
      assert.ok(ttl > expected - SLACK_MS && ttl <= expected, `${i < 3 ? "finished" : "still queued"} ${id}: PTTL ${ttl}, expected ≈ ${expected}`)
    }
    assert.is(await probe.hget(k.task(ids[0]), "status"), "succeeded")
  } finally {
    probe.disconnect()
  }
})

test.run()
