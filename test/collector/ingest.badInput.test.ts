/** @module test/collector/ingest.badInput — every malformed /ingest body gets a specific 4xx, never a 500, and nothing is written. */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { BACKENDS, ingest, withPipeline } from "../distributor/support.ts"

const ok = { source: "svc", level: "INFO", message: "hello" }
let deep: string = "1"
for (let i = 0; i < 5_000; i++) deep = `{"a":${deep}}`
const invalidUtf8: Uint8Array<ArrayBuffer> = new Uint8Array([...new TextEncoder().encode('{"source":"s","level":"INFO","message":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')])

interface Case {
  readonly name: string
  readonly body: string | Uint8Array<ArrayBuffer>
  readonly type?: string
  readonly status: number
  /** Text the error message or an issue path must contain. */
  readonly mentions: string
}

const cases: ReadonlyArray<Case> = [
  { name: "malformed JSON", body: '{"source":"svc",', status: 400, mentions: "not valid JSON" },
  { name: "a JSON scalar", body: "42", status: 400, mentions: "must be a JSON object" },
  { name: "wrong type of message", body: JSON.stringify({ ...ok, message: 5 }), status: 400, mentions: "message" },
  { name: "wrong type of ts_unix_ms", body: JSON.stringify({ ...ok, ts_unix_ms: "yesterday" }), status: 400, mentions: "ts_unix_ms" },
  { name: "a fractional ts_unix_ms", body: JSON.stringify({ ...ok, ts_unix_ms: 1.5 }), status: 400, mentions: "ts_unix_ms" },
  { name: "missing source", body: JSON.stringify({ level: "INFO", message: "x" }), status: 400, mentions: "source" },
  { name: "empty source", body: JSON.stringify({ ...ok, source: "" }), status: 400, mentions: "source" },
  { name: "unknown level", body: JSON.stringify({ ...ok, level: "LOUD" }), status: 400, mentions: "level" },
  { name: "a bad field in the third event of an array", body: JSON.stringify([ok, ok, { ...ok, level: 3 }]), status: 400, mentions: "[2].level" },
  { name: "nested metadata", body: JSON.stringify({ ...ok, metadata: { user: { id: 1 } } }), status: 400, mentions: "metadata.user" },
  { name: "array metadata value", body: JSON.stringify({ ...ok, metadata: { tags: ["a"] } }), status: 400, mentions: "metadata.tags" },
  { name: "deeply nested metadata", body: `{"source":"s","level":"INFO","message":"m","metadata":${deep}}`, status: 400, mentions: "nested" },
  { name: "a huge message", body: JSON.stringify({ ...ok, message: "x".repeat(70_000) }), status: 413, mentions: "MAX_MESSAGE_BYTES" },
  { name: "a huge event inside an array", body: JSON.stringify([ok, { ...ok, message: "é".repeat(40_000) }]), status: 413, mentions: "event 1" },
  { name: "a huge source", body: JSON.stringify({ ...ok, source: "s".repeat(1000) }), status: 400, mentions: "source" },
  { name: "a body over MAX_BODY_BYTES", body: JSON.stringify(Array.from({ length: 200 }, () => ({ ...ok, message: "y".repeat(60_000) }))), status: 413, mentions: "larger than" },
  { name: "invalid UTF-8", body: invalidUtf8, status: 400, mentions: "UTF-8" },
  { name: "an empty body", body: "", status: 400, mentions: "empty" },
  { name: "an empty array", body: "[]", status: 400, mentions: "no events" },
  { name: "a wrong content type", body: JSON.stringify(ok), type: "text/html", status: 415, mentions: "application/x-ndjson" },
  { name: "a form post", body: "source=svc&level=INFO", type: "application/x-www-form-urlencoded", status: 415, mentions: "application/json" },
  { name: "NDJSON with one malformed line", body: `${JSON.stringify(ok)}\n{"source":\n${JSON.stringify(ok)}`, type: "application/x-ndjson", status: 400, mentions: "line 2" },
  { name: "NDJSON with one invalid event", body: `${JSON.stringify(ok)}\n${JSON.stringify(ok)}\n${JSON.stringify({ ...ok, level: "nope" })}`, type: "application/x-ndjson", status: 400, mentions: "[2].level" }
]

for (const backend of BACKENDS) {
  const test = suite(`collector bad input (${backend})`)

  test("each malformed body gets its specific 4xx naming the problem, and nothing reaches the stream", () =>
    withPipeline(backend, { maxBodyBytes: 1024 * 1024 }, async ({ app }) => {
      const failures: Array<string> = []
      for (const c of cases) {
        const res = await app.request("/ingest", { method: "POST", headers: { "content-type": c.type ?? "application/json" }, body: c.body })
        const text = await res.text()
        if (res.status !== c.status || !text.includes(c.mentions)) failures.push(`${c.name}: ${res.status} ${text.slice(0, 200)}`)
        if (res.status === 503 || res.status === 413) {
          if (res.status === 503 && res.headers.get("retry-after") === null) failures.push(`${c.name}: 503 without Retry-After`)
        }
      }
      assert.equal(failures, [])
      const logs = (await (await app.request("/logs?limit=1000")).json()) as { logs: Array<unknown> }
      assert.is(logs.logs.length, 0, "no rejected event may be written")
    }))

  test("a valid event, an array and NDJSON are each accepted with 202 and their ids, once in the stream", () =>
    withPipeline(backend, {}, async ({ app }) => {
      const single = await app.request("/ingest", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...ok, level: "warning", metadata: { user: "u1", n: 2, flag: true } }) })
      assert.is(single.status, 202)
      const body = (await single.json()) as { accepted: number; ids: Array<string> }
      assert.is(body.accepted, 1)
      const array = await app.request("/ingest", { method: "POST", body: JSON.stringify([ok, { ...ok, level: "critical" }]) })
      assert.is(array.status, 202)
      const ndjsonIds = await ingest(app, [ok, ok, ok])
      assert.is(ndjsonIds.length, 3)
      const stored = ((await (await app.request("/logs?limit=100")).json()) as { logs: Array<{ id: string; level: string; ts_unix_ms: number; metadata?: unknown }> }).logs
      assert.is(stored.length, 6)
      assert.is(stored[0].id, body.ids[0])
      assert.is(stored[0].level, "WARN")
      assert.equal(stored[0].metadata, { user: "u1", n: 2, flag: true })
      assert.is(stored[2].level, "FATAL")
      assert.ok(Math.abs(stored[0].ts_unix_ms - Date.now()) < 60_000, "ts defaults to now")
      assert.equal(stored.slice(3).map((e) => e.id), ndjsonIds)
    }))

  test.run()
}
