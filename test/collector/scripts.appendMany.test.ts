/**
 * @module test/collector/scripts.appendMany — the collector's batch script
 * declares its keys, and gives the same reply on Redis and the embedded broker:
 * the ids of the entries, in order, with every field stored and the cap applied.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { appendMany, appendManyArgv } from "../../actors/collector/scripts/appendMany.ts"
import { assertKeyCount } from "../helpers/scripts.ts"
import { uniqueName } from "../helpers/redis.ts"
import { BACKENDS, brokerFor, pipelineConfig } from "../distributor/support.ts"

const test = suite("collector appendMany script")

test("declares numberOfKeys equal to the highest KEYS[n] it uses", () => {
  assertKeyCount(appendMany)
  assert.match(appendMany.lua, /local rcall = redis\.call/)
})

for (const backend of BACKENDS) {
  test(`appends every entry in order with all its fields, capped at about maxLen (${backend})`, async () => {
    const config = await pipelineConfig(backend)
    const stream = uniqueName("s")
    const entries = Array.from({ length: 300 }, (_, i) => ({ source: "a", level: "INFO", message: `m${i}`, ...(i % 2 === 0 ? { metadata: '{"k":1}' } : {}) }))
    const { ids, stored, info } = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      const ids = yield* broker.run(appendMany, [stream], appendManyArgv(entries, 100))
      const stored = yield* broker.latest(stream, 1000)
      const info = yield* broker.streamInfo(stream)
      return { ids: ids as ReadonlyArray<string>, stored, info }
    }).pipe(Effect.provide(brokerFor(config)), Effect.scoped))
    assert.is(ids.length, 300)
    assert.is(info.lastId, ids[299])
    assert.ok(info.length >= 100 && info.length < 300, `capped: ${info.length}`)
    const last = stored.at(-1)
    assert.equal(last?.fields, { source: "a", level: "INFO", message: "m299" })
    assert.equal(stored.at(-2)?.fields, { source: "a", level: "INFO", message: "m298", metadata: '{"k":1}' })
    assert.equal(stored.map((e) => e.id), ids.slice(300 - stored.length))
  })
}

test.run()
