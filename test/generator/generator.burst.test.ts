/**
 * @module test/generator/generator.burst — bursts: every event the generator
 * counts as sent is in the stream, and a broker that refuses appends slows the
 * generator down instead of losing events.
 */
import { Effect, Layer } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { heartbeatSource } from "../../actors/generator/flows.ts"
import { makePrng } from "../../actors/generator/prng.ts"
import { makeSink } from "../../actors/generator/sink.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { makeMemoryBroker } from "../../src/broker/memory.ts"
import { makeConfig } from "../../src/config.ts"
import { StreamUnavailable } from "../../src/errors.ts"
import { generatorState, postJson, until, withGenerator } from "./support.ts"

test("[redis] a burst of 50,000 events: every event the generator counted as sent is in the stream, once", () =>
  withGenerator("redis", { generatorEnabled: false, trimMaxLen: 200_000, logOutputFormat: "json" }, async ({ app, entries }) => {
    const started = Date.now()
    const res = await postJson(app, "/generator/burst", { events: 50_000, duration_ms: 1000 })
    assert.is(res.status, 202)
    await until("the burst to finish", async () => (await generatorState(app)).bursts[0]?.state === "done", 50_000)
    const took = Date.now() - started
    const state = await generatorState(app)
    assert.is(state.bursts[0].produced, 50_000)
    assert.is(state.bursts[0].sent, 50_000)
    assert.is(state.sent, 50_000)
    const all = await entries()
    assert.is(all.length, state.sent)
    const seqs = new Set(all.map((e) => (JSON.parse(e.fields.metadata ?? "{}") as { seq: number }).seq))
    assert.is(seqs.size, state.sent, "no duplicates")
    for (let i = 0; i < state.sent; i++) if (!seqs.has(i)) assert.unreachable(`seq ${i} missing`)
    console.log(`    burst of 50,000 to redis: ${took} ms (${Math.round(50_000 / (took / 1000))} events/s)`)
  }))

test("[embedded] a burst runs its events over about its duration, then reports done", () =>
  withGenerator("embedded", { generatorEnabled: false }, async ({ app, length }) => {
    const started = Date.now()
    assert.is((await postJson(app, "/generator/burst", { events: 500, duration_ms: 400 })).status, 202)
    await until("the burst to finish", async () => (await generatorState(app)).bursts[0]?.state === "done")
    const took = Date.now() - started
    assert.ok(took >= 350, `a 400 ms burst took ${took} ms`)
    assert.is(await length(), 500)
    assert.is((await postJson(app, "/generator/burst", { events: 0 })).status, 400)
  }))

test("[embedded] BURST_EVENTS / BURST_DURATION_MS / BURST_INTERVAL_S schedule bursts", () =>
  withGenerator("embedded", { generatorEnabled: false, burstEvents: 30, burstDurationMs: 50, burstIntervalS: 1 }, async ({ app, length }) => {
    await until("a scheduled burst", async () => (await generatorState(app)).bursts.some((b) => b.state === "done"), 5000)
    const burst = (await generatorState(app)).bursts[0]
    assert.is(burst.events, 30)
    assert.is(burst.sent, 30)
    assert.ok((await length()) >= 30)
  }))

test("when the broker refuses appends, the generator retries with backoff and counts only what was stored", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-bp-"))
  try {
    const memory = makeMemoryBroker()
    let refusals = 3
    const flaky = Layer.succeed(Broker, {
      ...memory,
      append: (stream, entries, options) =>
        Effect.suspend(() =>
          refusals-- > 0 ? Effect.fail(new StreamUnavailable({ message: "mailbox full" })) : memory.append(stream, entries, options))
    })
    const config = makeConfig({ logFile: join(dir, "app.log"), generatorConsole: false, streamName: "bp" })
    const sink = makeSink(config, () => "plain")
    const next = heartbeatSource(makePrng("bp"))
    const events = Array.from({ length: 10 }, (_, seq) => ({ seq, ts: Date.now(), event: next() }))
    const started = Date.now()
    const appended = await Effect.runPromise(Effect.provide(sink.emit(events), flaky))
    assert.is(appended, 10)
    assert.is(sink.stats.sent, 10)
    assert.is(sink.stats.appendFailures, 3)
    assert.ok(Date.now() - started >= 100, "it slowed down between attempts")
    const length = await Effect.runPromise(memory.streamInfo("bp"))
    assert.is(length.length, 10)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
