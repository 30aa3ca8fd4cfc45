/**
 * @module test/broker/contract/scripts — `run` is atomic and both bodies of a
 * script (Lua and embedded) give the same reply, including Redis's reply
 * conversions (false → null, numbers → integers, nested arrays).
 */
import { Effect } from "effect"
import type { Test } from "uvu"
import * as assert from "uvu/assert"
import { Broker, type Script } from "../../../src/broker/Broker.ts"
import { sameSlot, uniqueName } from "../../helpers/redis.ts"
import type { RunWithBroker } from "../contract.ts"

/** Count a visit in a hash and log it in a list, in one step; the reply exercises every reply shape. */
const tally: Script = {
  name: "contract_tally",
  numberOfKeys: 2,
  lua: `
-- KEYS[1] hash   counter (field "count")
-- KEYS[2] list   visit log
-- ARGV[1] visitor name
local rcall = redis.call
local count = rcall("HINCRBY", KEYS[1], "count", 1)
local length = rcall("LPUSH", KEYS[2], ARGV[1])
return { count, length, ARGV[1], false, { "tail", 2.9 } }
`,
  embedded: (store, keys, argv) => {
    const count = store.hincrBy(keys[0], "count", 1)
    const length = store.lpush(keys[1], argv[0])
    return [count, length, argv[0], null, ["tail", 2.9]]
  }
}

/** Compare-and-set: write ARGV[2] only if the value is ARGV[1] ("" = absent). 1 = won, 0 = lost. */
const compareAndSet: Script = {
  name: "contract_compare_and_set",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] string  the guarded value
-- ARGV[1] expected value ("" when it must be absent)
-- ARGV[2] new value
local rcall = redis.call
local current = rcall("GET", KEYS[1])
if current == false then current = "" end
if current ~= ARGV[1] then return 0 end
rcall("SET", KEYS[1], ARGV[2])
return 1
`,
  embedded: (store, keys, argv) => {
    if ((store.get(keys[0]) ?? "") !== argv[0]) return 0
    store.set(keys[0], argv[1])
    return 1
  }
}

/** Register the script tests on `test`. */
export const scriptContract = (test: Test, run: RunWithBroker): void => {
  test("a script runs atomically and returns the same reply on every backend", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const counter = uniqueName("hash")
      const log = sameSlot(counter, "list")
      assert.equal(yield* broker.run(tally, [counter, log], ["first"]), [1, 1, "first", null, ["tail", 2]])
      const replies = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => broker.run(tally, [counter, log], [`v${i}`])),
        { concurrency: "unbounded" }
      )
      const pairs = replies.map((reply) => (Array.isArray(reply) ? [reply[0], reply[1]] : []))
      // Atomic: no other run lands between a script's HINCRBY and its LPUSH, so the two always agree.
      for (const [count, length] of pairs) assert.is(count, length)
      assert.equal(pairs.map(([count]) => count).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 20 }, (_, i) => i + 2))
      assert.equal(yield* broker.hashGet(counter), { count: "21" })
      assert.is(yield* broker.listLength(log), 21)
    })))

  test("two racing scripts: exactly one wins", () =>
    run(Effect.gen(function* () {
      const broker = yield* Broker
      const gate = uniqueName("gate")
      const [a, b] = yield* Effect.all(
        [broker.run(compareAndSet, [gate], ["", "A"]), broker.run(compareAndSet, [gate], ["", "B"])],
        { concurrency: "unbounded" }
      )
      assert.equal([a, b].sort(), [0, 1], "one won, one lost")
      assert.is(yield* broker.getValue(gate), a === 1 ? "A" : "B", "the winner's value stands")
      assert.is(yield* broker.run(compareAndSet, [gate], [a === 1 ? "A" : "B", "next"]), 1, "the current holder can move it on")
    })))
}
