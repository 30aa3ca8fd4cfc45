/**
 * @module test/distributor/subscribe.fanout — live fanout: every replica's
 * subscribers get every event (broadcast, not sharded), filters apply, a
 * reconnect with Last-Event-ID resumes with no gap and no duplicate, and a
 * trimmed id yields a `gap` event.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { BACKENDS, events, ingest, pipelineConfig, startPipeline, subscribe, withPipeline } from "./support.ts"

for (const backend of BACKENDS) {
  const test = suite(`distributor fanout (${backend})`)

  test("two distributor instances on one broker each deliver every event to their subscribers", async () => {
    const base = await pipelineConfig(backend, { consumerName: "one" })
    const one = await startPipeline(base)
    // The embedded broker is per process, so "two instances" share one only on Redis; embedded runs two subscribers on one.
    const two = backend === "redis" ? await startPipeline({ ...base, consumerName: "two", instanceId: "two" }) : one
    try {
      const a = await subscribe(one.app)
      const b = await subscribe(two.app)
      await new Promise((r) => setTimeout(r, 50))
      const ids: Array<string> = []
      for (let i = 0; i < 10; i++) ids.push(...await ingest(i % 2 === 0 ? one.app : two.app, events(50, "svc", i * 50)))
      const all = (c: typeof a) => c.until((e) => e.filter((x) => x.event === undefined).length >= ids.length)
      assert.ok(await all(a), `instance one delivered ${a.dataEvents().length}/${ids.length}`)
      assert.ok(await all(b), `instance two delivered ${b.dataEvents().length}/${ids.length}`)
      assert.equal(a.dataEvents().map((e) => e.id), ids, "in stream order, each once")
      assert.equal(b.dataEvents().map((e) => e.id), ids)
      await a.close()
      await b.close()
    } finally {
      if (two !== one) await two.close()
      await one.close()
    }
  })

  test("filters by source, minimum level and message substring", () =>
    withPipeline(backend, {}, async ({ app }) => {
      const client = await subscribe(app, "?source=api,db&level=warn&q=Disk")
      await new Promise((r) => setTimeout(r, 30))
      await ingest(app, [
        { source: "api", level: "ERROR", message: "disk full" },
        { source: "api", level: "INFO", message: "disk ok" },
        { source: "web", level: "ERROR", message: "disk full" },
        { source: "db", level: "warning", message: "DISK slow" },
        { source: "db", level: "FATAL", message: "memory" }
      ])
      await client.until((e) => e.length >= 2, 2000)
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(client.dataEvents().map((e) => JSON.parse(e.data).message), ["disk full", "DISK slow"])
      await client.close()
    }))

  test("a subscriber that reconnects with Last-Event-ID misses nothing and sees nothing twice", () =>
    withPipeline(backend, {}, async ({ app }) => {
      const first = await subscribe(app)
      await new Promise((r) => setTimeout(r, 30))
      const before = await ingest(app, events(30))
      assert.ok(await first.until((e) => e.length >= 30))
      const lastSeen = first.dataEvents()[19].id ?? ""
      await first.close()
      // Missed while away, then more while the replay runs.
      const missed = await ingest(app, events(40, "svc", 30))
      const header = backend === "embedded"
      const second = await subscribe(app, header ? "" : `?last_event_id=${lastSeen}`, header ? { "last-event-id": lastSeen } : {})
      const during = await ingest(app, events(40, "svc", 70))
      const expected = [...before.slice(20), ...missed, ...during]
      assert.ok(await second.until((e) => e.length >= expected.length), `got ${second.dataEvents().length}/${expected.length}`)
      await new Promise((r) => setTimeout(r, 50))
      const got = second.dataEvents().map((e) => e.id)
      assert.equal(got, expected, `got ${got.length} [${got[0]} … ${got.at(-1)}], expected ${expected.length} [${expected[0]} … ${expected.at(-1)}]; last seen ${lastSeen}; before ${before[0]}`)
      await second.close()
    }))

  test("resuming from an id the stream has trimmed away starts with a named gap event", () =>
    withPipeline(backend, { trimMaxLen: 100 }, async ({ app }) => {
      const ids: Array<string> = []
      for (let i = 0; i < 10; i++) ids.push(...await ingest(app, events(100, "svc", i * 100)))
      const client = await subscribe(app, "", { "last-event-id": ids[0] })
      assert.ok(await client.until((e) => e.some((x) => x.event === "gap") && e.filter((x) => x.event === undefined).length > 0))
      const gap = client.events[0]
      assert.is(gap.event, "gap", "the gap event comes first")
      const detail = JSON.parse(gap.data) as { requested: string; first_available: string }
      assert.is(detail.requested, ids[0])
      assert.ok(ids.indexOf(detail.first_available) > 1, "first available is later than the requested id")
      // After the gap, the stream from its first remaining entry, in order, to the end.
      await client.until((e) => e.at(-1)?.id === ids.at(-1))
      const data = client.dataEvents().map((e) => e.id)
      assert.is(data[0], detail.first_available)
      assert.equal(data, ids.slice(ids.indexOf(detail.first_available)))
      await client.close()
    }))

  test("a live subscriber whose tail was overtaken by trimming gets a gap event instead of a silent hole", () =>
    withPipeline(backend, { trimMaxLen: 100 }, async ({ app }) => {
      const client = await subscribe(app)
      await new Promise((r) => setTimeout(r, 50))
      await ingest(app, events(10, "svc", 0))
      assert.ok(await client.until((e) => e.length >= 10))
      // One request appends 1,000 events at once: the stream is trimmed before the tail reads them.
      const burst = await ingest(app, events(1000, "svc", 10))
      assert.ok(await client.until((e) => e.some((x) => x.event === "gap") && e.at(-1)?.id === burst.at(-1)), `events: ${client.events.length}`)
      // Every hole must be announced by a gap naming where delivery resumes, and between gaps
      // delivery is contiguous. The check does not assume the tail reads the burst in one go (one
      // gap): whether it does depends on how the backend writes a batch.
      let at = -1
      let resumeAt: string | undefined
      for (const e of client.events.slice(10)) {
        if (e.event === "gap") {
          resumeAt = (JSON.parse(e.data) as { first_available: string }).first_available
          continue
        }
        const index = burst.indexOf(e.id ?? "")
        if (resumeAt !== undefined) assert.is(e.id, resumeAt, "delivery resumes at the first entry still in the stream")
        else assert.is(index, at + 1, `no silent hole before ${e.id}`)
        assert.ok(index > at, "in stream order")
        at = index
        resumeAt = undefined
      }
      assert.is(at, burst.length - 1, "through the last event")
      await client.close()
    }))

  test("an invalid Last-Event-ID or level is a 400, not a stream", () =>
    withPipeline(backend, {}, async ({ app }) => {
      assert.is((await app.request("/subscribe", { headers: { "last-event-id": "yesterday" } })).status, 400)
      assert.is((await app.request("/subscribe?level=loud")).status, 400)
    }))

  test.run()
}
