/** @module test/generator/generator.gate — the generator pauses while the default gate awaits and logs the message that releases it (seed 000). */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { readFileSync } from "node:fs"
import { generatorState, postJson, sleep, until, withGenerator } from "./support.ts"

for (const backend of ["embedded", "redis"] as const) {
  test(`[${backend}] the generator produces nothing while the gate awaits, then logs the written message and continues`, () =>
    withGenerator(backend, { logOutputFormat: "json" }, async ({ app, length, entries, config }) => {
      await until("first heartbeats", async () => (await length()) >= 3)
      assert.is((await postJson(app, "/io/start", { prompt: "continue?" })).status, 200)
      await until("generator to pause", async () => (await generatorState(app)).awaiting_gate)
      const paused = await length()
      await sleep(300)
      assert.is(await length(), paused, "no event while awaiting")
      assert.is((await generatorState(app)).awaiting_gate, true)
      assert.is((await postJson(app, "/io/write", { message: "go on please" })).status, 200)
      await until("more heartbeats after the write", async () => (await length()) >= paused + 3)
      const all = await entries()
      const released = all.findIndex((e) => e.fields.message === "IO message received: go on please")
      assert.ok(released >= 0, "the message is logged into the stream")
      assert.is(all.filter((e) => e.fields.message?.startsWith("IO message received")).length, 1)
      assert.ok(all.length - 1 > released, "heartbeats continue after it")
      assert.match(readFileSync(config.logFile, "utf8"), /IO message received: go on please/)
      assert.is((await generatorState(app)).awaiting_gate, false)
    }))
}

test.run()
