/** @module test/worker/worker.scripts — every task-system script declares exactly the keys its Lua reads. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import * as scripts from "../../actors/worker/scripts/index.ts"

const highestKey = (lua: string): number => Math.max(0, ...[...lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])))

test("each worker script's numberOfKeys equals the highest KEYS[n] its Lua uses, and it aliases redis.call", () => {
  const all = Object.values(scripts)
  assert.ok(all.length >= 12, `found ${all.length} scripts`)
  for (const script of all) {
    assert.is(highestKey(script.lua), script.numberOfKeys, `${script.name}: KEYS vs numberOfKeys`)
    assert.ok(script.lua.includes("local rcall = redis.call"), `${script.name}: rcall alias`)
    assert.not.match(script.lua, /redis\.call\(/, `${script.name}: uses redis.call( directly`)
  }
})

test("worker script names are unique", () => {
  const names = Object.values(scripts).map((s) => s.name)
  assert.is(new Set(names).size, names.length)
})

test.run()
