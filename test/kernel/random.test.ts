/** @module test/kernel/random — pooled random ids: the UUID form and its randomness. */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { randomUuid } from "../../src/random.ts"

const test = suite("random")

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test("task ids are version-4 UUIDs (version nibble 4, variant 10) and do not repeat across pool refills", () => {
  // 5,000 ids × 16 bytes is ≈ 20 refills of the 4 KiB pool
  const ids = Array.from({ length: 5000 }, () => randomUuid())
  const bad = ids.filter((id) => !UUID_V4.test(id))
  assert.equal(bad, [], `not a v4 UUID: ${bad.slice(0, 3).join(", ")}`)
  assert.is(new Set(ids).size, ids.length)
})

test("every random digit position varies (no position stuck, no byte reused between ids)", () => {
  const ids = Array.from({ length: 2000 }, () => randomUuid())
  for (let pos = 0; pos < 36; pos++) {
    const seen = new Set(ids.map((id) => id[pos]))
    if ([8, 13, 18, 23].includes(pos)) assert.equal([...seen], ["-"], `position ${pos}`)
    else if (pos === 14) assert.equal([...seen], ["4"], "version nibble")
    else if (pos === 19) assert.is(seen.size, 4, "variant digit takes 8, 9, a, b")
    else assert.is(seen.size, 16, `position ${pos} takes all 16 hex digits`)
  }
  // consecutive ids share no run of 8 digits: each draws fresh bytes from the pool
  for (let i = 1; i < ids.length; i++) assert.is.not(ids[i].slice(0, 8), ids[i - 1].slice(0, 8))
})

test.run()
