/**
 * @module test/worker/worker.envelope — queued strings are exact: the
 * hand-built envelope (and a bulk enqueue's) equals the JSON of the envelope
 * object (LREM and the dead list find items by their bytes), and a leased
 * string parses back to it.
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { batchEnvelopes, classify, encodeEnvelope, envelopeJson, newTaskId } from "../../actors/worker/task.ts"

const cases = [
  { id: "7d2c", type: "add", payload: { a: 1, b: 2 }, created_at: 1_700_000_000_000 },
  { id: "q\"uote", type: "ty\\pe\n", payload: ["x", null, 1.5, { "k\u0000": "🚀" }], created_at: 0, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
  { id: "n", type: "message", payload: null, created_at: -5 },
  { id: "s", type: "message", payload: "plain text", created_at: 12 }
]

test("envelopeJson is byte-for-byte the JSON of the envelope object, and classify reads it back", () => {
  for (const e of cases) {
    const expected = JSON.stringify({ id: e.id, type: e.type, payload: e.payload, created_at: e.created_at, ...("traceparent" in e ? { traceparent: e.traceparent } : {}) })
    assert.is(envelopeJson(e.id, e.type, JSON.stringify(e.payload), e.created_at, e.traceparent), expected)
    assert.is(encodeEnvelope(e), expected)
    const back = classify(expected, 1)
    assert.is(back.kind, "envelope")
    assert.equal(back.envelope, e)
  }
})

test("a bulk enqueue's envelopes (shared parts encoded once, generated ids spliced in) equal envelopeJson's, whatever the types and payloads", () => {
  for (const traceparent of [undefined, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]) {
    const envelopeOf = batchEnvelopes(1_700_000_000_123, traceparent)
    for (const e of [...cases, ...cases]) {
      const id = newTaskId()
      const payloadJson = JSON.stringify(e.payload)
      assert.is(envelopeOf(id, e.type, payloadJson), envelopeJson(id, e.type, payloadJson, 1_700_000_000_123, traceparent), `${e.type} ${traceparent}`)
    }
  }
})

test("an envelope stays valid JSON whatever created_at a producer sent, and a missing payload is null", () => {
  const text = encodeEnvelope({ id: "x", type: "add", payload: undefined, created_at: Number.POSITIVE_INFINITY })
  assert.equal(JSON.parse(text), { id: "x", type: "add", payload: null, created_at: null })
})

test.run()
