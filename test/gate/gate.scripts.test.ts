/** @module test/gate/gate.scripts — each gate script declares exactly the keys its Lua body reads. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { startGate } from "../../actors/gate/scripts/start.ts"
import { timeoutGate } from "../../actors/gate/scripts/timeout.ts"
import { writeGate } from "../../actors/gate/scripts/write.ts"
import { assertKeyCount } from "../helpers/scripts.ts"

for (const script of [startGate, writeGate, timeoutGate]) {
  test(`gate script ${script.name} declares numberOfKeys equal to the highest KEYS[n] it uses`, () => {
    assertKeyCount(script)
    assert.match(script.lua, /local rcall = redis\.call/)
  })
}

test.run()
