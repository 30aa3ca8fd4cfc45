/**
 * @module test/collector/ingest.outage — Redis stops mid-ingest: requests get
 * 503 with Retry-After (never a 500 or a hang), every event that got a 202 is
 * in the stream once Redis is back, and the collector and distributor recover
 * without a restart.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Broker, type StreamEntry } from "../../src/broker/Broker.ts"
import { startRedis } from "../helpers/redis.ts"
import { events, ingest, pipelineConfig, startPipeline, subscribe } from "../distributor/support.ts"

const test = suite("collector outage (redis)")

test("with Redis stopped mid-ingest, requests get 503 + Retry-After, every 202'd event survives, and the actors recover", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-aof-"))
  // AOF with fsync always: what a 202 promised must survive Redis's own kill -9.
  const redis = await startRedis(["--appendonly", "yes", "--appendfsync", "always", "--dir", dir])
  const config = await pipelineConfig("redis", { redisUrl: redis.url, blockMs: 200, actorStuckMs: 2000 })
  const pipeline = await startPipeline(config)
  const { app } = pipeline
  try {
    const accepted: Array<string> = []
    const statuses = new Map<number, number>()
    let retryAfterMissing = 0
    let stop = false
    const producer = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        const res = await app.request("/ingest", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([{ source: `w${worker}`, level: "INFO", message: `m${i}` }, { source: `w${worker}`, level: "WARN", message: `n${i}` }])
        })
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        if (res.status === 202) accepted.push(...((await res.json()) as { ids: Array<string> }).ids)
        else {
          if (res.status === 503 && res.headers.get("retry-after") === null) retryAfterMissing++
          await res.text()
          await new Promise((r) => setTimeout(r, 5))
        }
      }
    }
    const producers = [0, 1, 2, 3].map(producer)
    await new Promise((r) => setTimeout(r, 400))
    const beforeOutage = accepted.length
    await redis.kill()
    await new Promise((r) => setTimeout(r, 800))
    await redis.restart()
    // Keep producing until writes succeed again (the command connection reconnects with backoff).
    const resumedFrom = accepted.length
    const deadline = Date.now() + 10_000
    while (accepted.length < resumedFrom + 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    stop = true
    await Promise.all(producers)

    assert.ok(beforeOutage > 0, "events were accepted before the outage")
    assert.ok((statuses.get(503) ?? 0) > 0, `some requests got 503 (${JSON.stringify([...statuses])})`)
    assert.is(retryAfterMissing, 0, "every 503 carried Retry-After")
    assert.equal([...statuses.keys()].filter((s) => s !== 202 && s !== 503), [], "only 202 and 503")
    assert.ok(accepted.length >= resumedFrom + 50, "ingest works again without a restart")

    const stored = new Set<string>()
    let cursor: string | null = null
    for (;;) {
      const page: ReadonlyArray<StreamEntry> = await pipeline.run(Effect.flatMap(Broker, (b) => b.rangeAfter(config.streamName, cursor, 5000)))
      if (page.length === 0) break
      for (const e of page) stored.add(e.id)
      cursor = page[page.length - 1].id
    }
    const missing = accepted.filter((id) => !stored.has(id))
    assert.equal(missing.slice(0, 5), [], `${missing.length} of ${accepted.length} accepted events are missing`)

    // The distributor recovered too: a new subscriber gets new events, and /healthz is ok again.
    const client = await subscribe(app)
    let delivered = false
    const until = Date.now() + 10_000
    while (!delivered && Date.now() < until) {
      const ids = await ingest(app, events(1, "after"))
      delivered = await client.until((e) => e.some((x) => x.id === ids[0]), 500)
    }
    assert.ok(delivered, "live fanout works after the outage")
    await client.close()
    let healthy = false
    const healthDeadline = Date.now() + 10_000
    while (!healthy && Date.now() < healthDeadline) {
      healthy = (await app.request("/healthz")).status === 200
      if (!healthy) await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(healthy, `healthz: ${await (await app.request("/healthz")).text()}`)
  } finally {
    await pipeline.close()
    await redis.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
