/**
 * @module test/broker/scripts — every Lua script in `src/` and `actors/`
 * declares exactly as many keys as its body reads (STYLE item 4).
 */
import { join, relative, resolve } from "node:path"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { assertKeyCount, highestKey, loadScripts, scriptFiles } from "../helpers/scripts.ts"

const root = resolve(import.meta.dirname ?? ".", "../..")
const files = scriptFiles([join(root, "src"), join(root, "actors")])
const scripts = await loadScripts(files)

test("the Redis broker's own scripts are found by the walk", () => {
  const names = scripts.map(({ script }) => script.name)
  assert.ok(names.includes("claimIdle"), `found: ${names.join(", ")}`)
})

for (const { file, script } of scripts) {
  test(`script ${script.name} (${relative(root, file)}) declares as many keys as its Lua reads`, () => {
    assertKeyCount(script)
  })
}

test("the key count check catches a script that reads a key it never declared", () => {
  const undeclared = { name: "undeclared", numberOfKeys: 1, lua: "return redis.call('GET', KEYS[2])" }
  assert.is(highestKey(undeclared.lua), 2)
  // uvu's assert.throws re-throws its own Assertion errors, so catch by hand.
  let message = ""
  try {
    assertKeyCount(undeclared)
  } catch (error) {
    message = error instanceof Error ? error.message : String(error)
  }
  assert.match(message, "reads up to KEYS[2]")
  assertKeyCount({ name: "none", numberOfKeys: 0, lua: "return 1" })
})

test.run()
