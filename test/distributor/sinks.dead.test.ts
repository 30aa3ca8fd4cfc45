/**
 * @module test/distributor/sinks.dead — the durable sinks: every event is
 * archived (size-rotated) and counted then acked; a poison entry is retried and
 * ends in `<stream>:dead` after MAX_DELIVERIES, with the reason.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { distributorMetrics } from "../../actors/distributor/index.ts"
import { BACKENDS, events, ingest, waitFor, withPipeline } from "./support.ts"
import { uniqueName } from "../helpers/redis.ts"

for (const backend of BACKENDS) {
  const test = suite(`distributor sinks (${backend})`)

  test("every event is archived once to the size-rotated file, counted, and acknowledged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fluxgate-archive-"))
    const file = join(dir, "archive.log")
    const source = uniqueName("src")
    try {
      await withPipeline(backend, { archiveFile: file, archiveMaxBytes: 4096, archiveBackups: 3, blockMs: 100 }, async ({ app, config, run }) => {
        const ids: Array<string> = []
        for (let i = 0; i < 5; i++) ids.push(...await ingest(app, events(10, source, i * 10)))
        const settled = await waitFor(async () => {
          const info = await run(Effect.flatMap(Broker, (b) => b.groupInfo(config.streamName, config.consumerGroup)))
          return info.pending === 0 && info.lag === 0 && info.lastDeliveredId === ids.at(-1)
        })
        assert.ok(settled, "the group consumed and acked everything")
        const files = readdirSync(dir).sort()
        assert.ok(files.includes("archive.log.1"), `rotated: ${files.join(", ")}`)
        assert.ok(files.length <= 4, "at most ARCHIVE_BACKUPS backups")
        const archived = files.flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l !== "")).map((l) => JSON.parse(l) as { id: string; source: string })
        assert.equal(archived.map((a) => a.id).sort(), [...ids].sort(), "each event archived exactly once")
        for (const f of files) assert.ok(readFileSync(join(dir, f)).length <= 4096 + 400, `${f} stays near ARCHIVE_MAX_BYTES`)
        const counted = distributorMetrics().events.filter((e) => e.source === source)
        assert.equal(counted, [{ source, level: "INFO", count: 50 }])
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("a poison entry ends in <stream>:dead after MAX_DELIVERIES, with the reason, and is acknowledged", () =>
    withPipeline(backend, { pendingIdleMs: 60, maxDeliveries: 3, blockMs: 100 }, async ({ app, config, run }) => {
      await ingest(app, events(3))
      const [poisonId] = await run(Effect.flatMap(Broker, (b) => b.append(config.streamName, [{ foo: "bar" }])))
      await ingest(app, events(3, "svc", 3))
      const dead = `${config.streamName}:dead`
      const arrived = await waitFor(async () => (await run(Effect.flatMap(Broker, (b) => b.rangeAfter(dead, null, 10)))).length > 0)
      assert.ok(arrived, "the poison entry reached the dead stream")
      const [entry] = await run(Effect.flatMap(Broker, (b) => b.rangeAfter(dead, null, 10)))
      assert.is(entry.fields.dead_id, poisonId)
      assert.is(entry.fields.foo, "bar", "the original fields are kept")
      assert.ok(entry.fields.dead_reason.includes("missing field source"), entry.fields.dead_reason)
      assert.is(entry.fields.dead_deliveries, "3")
      const info = await run(Effect.flatMap(Broker, (b) => b.groupInfo(config.streamName, config.consumerGroup)))
      assert.is(info.pending, 0, "nothing left pending")
      await new Promise((r) => setTimeout(r, 300))
      assert.is((await run(Effect.flatMap(Broker, (b) => b.rangeAfter(dead, null, 10)))).length, 1, "dead-lettered once")
    }))

  test.run()
}
