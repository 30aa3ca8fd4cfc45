/**
 * @module test/distributor/subscribe.overflow — a subscriber that reads nothing
 * while 100,000 events flow gets `overflow` (with its last delivered id) and is
 * closed, a subscriber that reads keeps receiving every event, and memory stays
 * bounded.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { BACKENDS, events, ingest, sseClient, subscriberGauge, withPipeline } from "./support.ts"

/** The 100,000 on Redis (the production path); the embedded broker, the same code path above it, gets 20,000 to keep the suite short. */
const TOTALS = { redis: 100_000, embedded: 20_000 } as const
const BATCH = 1000
/** Growth of this process's RSS allowed while 100,000 events pass (the stream itself holds at most TRIM_MAXLEN). */
const RSS_CEILING_MB = 350

for (const backend of BACKENDS) {
  const test = suite(`distributor overflow (${backend})`)
  const TOTAL = TOTALS[backend]

  test(`a subscriber that reads nothing gets overflow and is closed while a reading one receives all ${TOTAL.toLocaleString("en-US")} events`, () =>
    withPipeline(backend, { subscriberQueueLen: 1024, trimMaxLen: 20_000 }, async ({ app }) => {
      const rssBefore = process.memoryUsage().rss
      const normal = sseClient(await app.request("/subscribe"))
      // Opened, never read: its writes stall, its queue fills.
      const stalled = await app.request("/subscribe")
      await new Promise((r) => setTimeout(r, 50))
      assert.is(await subscriberGauge((p) => app.request(p)), 2)
      let peakRss = 0
      const ids: Array<string> = []
      for (let i = 0; i < TOTAL / BATCH; i++) {
        // Pace the producer to the reader: the normal subscriber must never be more than a queue behind.
        const batchIds = await ingest(app, events(BATCH, "load", i * BATCH))
        ids.push(batchIds[0], batchIds[batchIds.length - 1])
        await normal.until((e) => e.length >= (i + 1) * BATCH, 5000)
        if (i % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss)
      }
      assert.ok(await normal.until((e) => e.length >= TOTAL, 10_000), `normal subscriber got ${normal.events.length}`)
      const received = normal.dataEvents()
      assert.is(received.length, TOTAL)
      assert.is(received[0].id, ids[0])
      assert.is(received[TOTAL - 1].id, ids.at(-1))
      assert.is(new Set(received.map((e) => e.id)).size, TOTAL, "no duplicates")
      assert.ok(!normal.events.some((e) => e.event === "overflow"))

      // Now read the stalled one: what it was sent before stalling, then overflow, then the end.
      const late = sseClient(stalled)
      assert.ok(await late.until(() => late.ended(), 5000), "the overflowed stream is closed")
      const overflow = late.events.find((e) => e.event === "overflow")
      assert.ok(overflow, "an overflow event was sent")
      const detail = JSON.parse(overflow.data) as { last_id: string | null }
      const delivered = late.dataEvents()
      assert.ok(delivered.length < TOTAL / 10, `the stalled subscriber was sent only ${delivered.length} events`)
      assert.is(detail.last_id, delivered.at(-1)?.id ?? null, "overflow names the last delivered id")
      assert.is(late.events.at(-1)?.event, "overflow")

      peakRss = Math.max(peakRss, process.memoryUsage().rss)
      const growthMb = (peakRss - rssBefore) / 1024 / 1024
      assert.ok(growthMb < RSS_CEILING_MB, `RSS grew ${growthMb.toFixed(0)} MB`)
      await normal.close()
      await new Promise((r) => setTimeout(r, 50))
      assert.is(await subscriberGauge((p) => app.request(p)), 0, "both subscribers released")
    }))

  test.run()
}
