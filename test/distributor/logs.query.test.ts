/**
 * @module test/distributor/logs.query — GET /logs: newest last, limit, source
 * and level filters, json/plain/csv, random samples, and "waiting" while the
 * default IO gate awaits input.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Effect } from "effect"
import { parse } from "csv-parse/sync"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { BACKENDS, ingest, withPipeline } from "./support.ts"

interface Log { id: string; source: string; level: string; message: string; metadata?: Record<string, unknown> }
const logsOf = async (res: Response) => (await res.json()) as { status: string; io?: Record<string, unknown>; logs: Array<Log> }

for (const backend of BACKENDS) {
  const test = suite(`distributor /logs (${backend})`)

  test("answers the most recent events newest last, filtered by limit, source and minimum level", () =>
    withPipeline(backend, {}, async ({ app }) => {
      const ids = await ingest(app, Array.from({ length: 60 }, (_, i) => ({
        source: i % 3 === 0 ? "api" : "web",
        level: ["DEBUG", "INFO", "WARN", "ERROR"][i % 4],
        message: `m${i}, "quoted"`,
        ...(i === 59 ? { metadata: { user: "u1" } } : {})
      })))
      const all = await logsOf(await app.request("/logs"))
      assert.is(all.status, "ok")
      assert.equal(all.logs.map((l) => l.id), ids.slice(-50), "default limit 50, newest last")
      assert.equal(all.logs.at(-1)?.metadata, { user: "u1" })
      assert.equal((await logsOf(await app.request("/logs?limit=3"))).logs.map((l) => l.id), ids.slice(-3))
      const api = (await logsOf(await app.request("/logs?source=api&limit=1000"))).logs
      assert.is(api.length, 20)
      assert.ok(api.every((l) => l.source === "api"))
      const errors = (await logsOf(await app.request("/logs?level=warning&limit=1000"))).logs
      assert.is(errors.length, 30)
      assert.ok(errors.every((l) => l.level === "WARN" || l.level === "ERROR"))
      for (const bad of ["limit=0", "limit=1001", "limit=x", "format=xml", "level=loud", "sample=0"]) {
        assert.is((await app.request(`/logs?${bad}`)).status, 400, bad)
      }
    }))

  test("formats as plain lines and as CSV that a CSV parser reads back", () =>
    withPipeline(backend, {}, async ({ app }) => {
      await ingest(app, [{ source: "api", level: "INFO", message: 'a, "b"' }, { source: "db", level: "ERROR", message: "line1\nline2" }])
      const plain = await app.request("/logs?format=plain")
      assert.match(plain.headers.get("content-type") ?? "", /text\/plain/)
      const lines = (await plain.text()).trimEnd().split("\n")
      assert.is(lines.length, 2)
      assert.match(lines[0], /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] INFO api: a, "b"$/)
      assert.match(lines[1], /ERROR db: line1 line2$/)
      const csv = await app.request("/logs?format=csv")
      assert.match(csv.headers.get("content-type") ?? "", /text\/csv/)
      const rows = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>
      assert.equal(rows.map((r) => [r.source, r.level, r.message]), [["api", "INFO", 'a, "b"'], ["db", "ERROR", "line1\nline2"]])
    }))

  test("sample=3 answers three distinct random recent events in stream order", () =>
    withPipeline(backend, {}, async ({ app }) => {
      const ids = await ingest(app, Array.from({ length: 100 }, (_, i) => ({ source: "s", level: "INFO", message: `m${i}` })))
      const seen = new Set<string>()
      for (let round = 0; round < 5; round++) {
        const sample = (await logsOf(await app.request("/logs?sample=3"))).logs.map((l) => l.id)
        assert.is(new Set(sample).size, 3)
        assert.ok(sample.every((id) => ids.includes(id)))
        assert.equal(sample, [...sample].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)), "in stream order")
        sample.forEach((id) => seen.add(id))
      }
      assert.ok(seen.size > 3, "different samples across requests")
    }))

  test("while the default IO gate is awaiting input, /logs says waiting with the gate's prompt", () =>
    withPipeline(backend, {}, async ({ app, config, run }) => {
      await ingest(app, [{ source: "s", level: "INFO", message: "x" }])
      const gate = keys(config.keyPrefix).gate("default")
      await run(Effect.flatMap(Broker, (b) => b.hashSet(gate, { state: "awaiting", prompt: "your name?", started_at: "1700000000000" })))
      const waiting = await logsOf(await app.request("/logs"))
      assert.is(waiting.status, "waiting")
      assert.equal(waiting.io, { state: "awaiting", prompt: "your name?", started_at: "1700000000000" })
      assert.is(waiting.logs.length, 1)
      await run(Effect.flatMap(Broker, (b) => b.hashSet(gate, { state: "idle" })))
      assert.is((await logsOf(await app.request("/api/logs"))).status, "ok", "also under /api/logs")
    }))

  test.run()
}
