/**
 * @module test/generator/generator.secrets — the session token never appears
 * in clear in any output: not in the log files of any format, not on the
 * console, not in the stream.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { sessionSource } from "../../actors/generator/flows.ts"
import { maskToken } from "../../actors/generator/output.ts"
import { makePrng } from "../../actors/generator/prng.ts"
import { generatorState, postJson, until, withGenerator } from "./support.ts"

/** The clear tokens the seeded generator will use (regenerated from the same seed). */
const clearTokens = (seed: string, events: number): Set<string> => {
  const next = sessionSource(makePrng(seed))
  const tokens = new Set<string>()
  for (let i = 0; i < events; i++) tokens.add(next().fields.session_token)
  return tokens
}

for (const format of ["plain", "json", "csv"] as const) {
  test(`[${format}] no session token appears in clear in the files or the stream, and the masked form does`, () =>
    withGenerator("embedded", { generatorEnabled: false, generatorSeed: "secret-seed", generatorProfile: "sessions", logOutputFormat: format, logLevel: "DEBUG" }, async ({ app, dir, entries }) => {
      assert.is((await postJson(app, "/generator/burst", { events: 1500, duration_ms: 0 })).status, 202)
      await until("the burst", async () => (await generatorState(app)).bursts[0]?.state === "done")
      const tokens = clearTokens("secret-seed", 1500)
      assert.ok(tokens.size > 50, `${tokens.size} sessions`)
      const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), "utf8")).join("\n")
      const stream = (await entries()).map((e) => JSON.stringify(e.fields)).join("\n")
      let masked = 0
      for (const token of tokens) {
        // The token itself, and any 8-character piece of it, must be absent.
        for (const text of [files, stream]) {
          assert.not.ok(text.includes(token), "clear token found")
          assert.not.ok(text.includes(token.slice(0, 8)), "a token prefix found")
        }
        if (files.includes(maskToken(token)) && stream.includes(maskToken(token))) masked++
      }
      assert.ok(masked > tokens.size / 2, `masked tokens present (${masked}/${tokens.size})`)
    }))
}

test.run()
