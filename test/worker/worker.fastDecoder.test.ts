/**
 * @module test/worker/fastDecoder — the plain-code payload decoder gives the
 * same answers as Effect Schema's: the same output for what it accepts, and
 * every value it refuses is one the full decoder refuses too (or decides
 * itself). Schemas outside its reach get no fast path at all.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Either, Schema } from "effect"
import { fastDecoder } from "../../actors/worker/fastDecoder.ts"
import { AddPayload, MessagePayload, SleepPayload, taskHandlers } from "../../actors/worker/handlers.ts"

const test = suite("worker fast payload decoder")

const inputs: ReadonlyArray<unknown> = [
  { a: 1, b: 2 }, { a: -0.5, b: 1e15 }, { a: 1, b: 2, c: "extra" }, { b: 2, a: 1 },
  { a: Number.MAX_SAFE_INTEGER, b: -Number.MAX_SAFE_INTEGER }, { a: Number.MAX_SAFE_INTEGER + 2, b: 0 },
  { a: NaN, b: 1 }, { a: Infinity, b: 1 }, { a: "1", b: 2 }, { a: 1 }, { a: 1, b: null }, { a: 1, b: undefined },
  { message: "hello" }, { message: "" }, { message: 42 }, { message: "x", other: true }, { message: ["a"] },
  {}, null, undefined, [], [1, 2], "text", 7, true, Object.assign(Object.create({ a: 1 }), { b: 2 })
]

const asSchema = (s: Schema.Schema<any, any>) => s as unknown as Schema.Schema<unknown, unknown>

for (const [name, schema] of [["add", AddPayload], ["message", MessagePayload]] as const) {
  test(`${name}: a fast path exists and agrees with Schema on every input`, () => {
    const fast = fastDecoder(asSchema(schema))
    assert.ok(fast !== null, "covered")
    const full = Schema.decodeUnknownEither(asSchema(schema), { errors: "all" })
    let accepted = 0
    for (const input of inputs) {
      const quick = fast(input)
      const slow = full(input)
      if (quick === undefined) continue
      accepted++
      assert.ok(Either.isRight(slow), `fast accepted what Schema refuses: ${JSON.stringify(input)}`)
      if (Either.isRight(slow)) {
        assert.equal(quick, slow.right, `same output for ${JSON.stringify(input)}`)
        assert.equal(Object.keys(quick as object), Object.keys(slow.right as object), "same keys in the same order")
      }
    }
    // Everything Schema accepts here, the fast path accepts too (so it is not silently unused).
    const bySchema = inputs.filter((input) => Either.isRight(full(input))).length
    assert.is(accepted, bySchema)
    assert.ok(accepted >= 2)
  })
}

test("schemas it does not cover get no fast path: optional properties, transformations, index signatures, parse options", () => {
  assert.is(fastDecoder(asSchema(SleepPayload)), null, "optional properties")
  assert.is(fastDecoder(asSchema(Schema.Struct({ n: Schema.NumberFromString }))), null, "a transformation")
  assert.is(fastDecoder(asSchema(Schema.Record({ key: Schema.String, value: Schema.Number }))), null, "an index signature")
  assert.is(fastDecoder(asSchema(Schema.Struct({ a: Schema.Number }).annotations({ parseOptions: { onExcessProperty: "error" } }))), null, "parse options")
  assert.is(fastDecoder(asSchema(Schema.Number)), null, "not a struct")
  assert.ok(fastDecoder(asSchema(Schema.Struct({ ok: Schema.Boolean, s: Schema.String.pipe(Schema.maxLength(3)) }))) !== null)
})

test("every registered handler's schema is either covered or decided by Schema alone, never an error", () => {
  for (const handler of taskHandlers) {
    const fast = fastDecoder(handler.schema)
    if (fast !== null) assert.is(typeof fast({}), "undefined", `${handler.type}: an empty payload goes to the full decoder`)
  }
})

test.run()
