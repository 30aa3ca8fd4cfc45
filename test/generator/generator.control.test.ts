/** @module test/generator/generator.control — GET/PATCH /generator change the generator at run time; a seed fixes what it says. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { readFileSync } from "node:fs"
import { generatorState, postJson, sleep, until, withGenerator } from "./support.ts"

test("PATCH /generator stops and restarts it and switches level, format and profile", () =>
  withGenerator("embedded", { logFrequency: 0.01 }, async ({ app, length, entries, config }) => {
    await until("heartbeats", async () => (await length()) >= 2)
    let res = await postJson(app, "/generator", { running: false }, "PATCH")
    assert.is(res.status, 200)
    assert.is(((await res.json()) as { running: boolean }).running, false)
    await sleep(100)
    const stopped = await length()
    await sleep(200)
    assert.is(await length(), stopped, "nothing while stopped")
    res = await postJson(app, "/generator", { running: true, level: "warning", format: "json", frequency: 0.01 }, "PATCH")
    assert.is(res.status, 200)
    await until("warning heartbeats", async () => (await length()) >= stopped + 3)
    const last = (await entries()).at(-1)
    assert.is(last?.fields.level, "WARN")
    const lines = readFileSync(config.logFile, "utf8").trimEnd().split("\n")
    const json = JSON.parse(lines.at(-1) ?? "{}") as { level: string }
    assert.is(json.level, "WARNING")
    res = await postJson(app, "/generator", { profile: "sessions", level: "DEBUG", frequency: 0.001 }, "PATCH")
    assert.is(res.status, 200)
    await until("session events", async () => (await entries()).some((e) => (e.fields.metadata ?? "").includes("\"event\":\"login\"")))
    assert.is((await postJson(app, "/generator", { frequency: -1 }, "PATCH")).status, 400)
    assert.is((await postJson(app, "/generator", { level: "LOUD" }, "PATCH")).status, 400)
    const state = await generatorState(app)
    assert.is(state.running, true)
  }))

test("the same GENERATOR_SEED yields the same events in the stream (minus timestamps)", async () => {
  const run = () =>
    withGenerator("embedded", { generatorEnabled: false, generatorSeed: "repeat-me", generatorProfile: "sessions", logLevel: "DEBUG" }, async ({ app, entries }) => {
      await postJson(app, "/generator/burst", { events: 400, duration_ms: 0 })
      await until("the burst", async () => (await generatorState(app)).bursts[0]?.state === "done")
      return (await entries()).map((e) => ({ level: e.fields.level, message: e.fields.message, metadata: e.fields.metadata }))
    })
  const [a, b] = [await run(), await run()]
  assert.is(a.length, 400)
  assert.equal(a, b)
})

test.run()
