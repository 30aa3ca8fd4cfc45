/**
 * @module test/collector/scripts.appendMany — the collector's batch script
 * declares its keys, and gives the same reply on Redis and the embedded broker:
 * the ids of the entries, in order, with every field stored and the cap applied.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { appendMany, appendManyArgv, encodeEntries } from "../../actors/collector/scripts/appendMany.ts"
import { toFields } from "../../actors/collector/event.ts"
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

  test(`stores any text byte-exact through the JSON batch: quotes, newlines, NUL, emoji; a lone surrogate as U+FFFD (${backend})`, async () => {
    const config = await pipelineConfig(backend)
    const stream = uniqueName("s")
    const tricky = ['say "hi"\\n', "line1\nline2\r\ttab", "nul\u0000byte", "emoji 🚀 ünïcödé 漢字", "{\"json\":[1,2]}", ""]
    const entries = tricky.map((message, i) => toFields({ source: `src ${i}`, level: "INFO", message, ts_unix_ms: 1 }))
    const lone = toFields({ source: "lone", level: "WARN", message: "bad \ud800 half", ts_unix_ms: 1 })
    const stored = await Effect.runPromise(Effect.gen(function*() {
      const broker = yield* Broker
      yield* broker.run(appendMany, [stream], appendManyArgv([...entries, lone], 0))
      return yield* broker.latest(stream, 100)
    }).pipe(Effect.provide(brokerFor(config)), Effect.scoped))
    assert.equal(stored.map((e) => e.fields.message), [...tricky, "bad \ufffd half"])
    assert.equal(stored[0].fields, { source: "src 0", level: "INFO", message: tricky[0], ts: "1" })
  })
}

test("encodeEntries is JSON of flat name/value arrays, in field order", () => {
  const json = encodeEntries([{ a: "1", b: "x\"y" }, { c: "" }])
  assert.equal(JSON.parse(json), [["a", "1", "b", 'x"y'], ["c", ""]])
})

test.run()
