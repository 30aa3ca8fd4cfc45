/**
 * @module test/distributor/sinks.reclaim — a distributor process killed with
 * SIGKILL while it holds pending entries: another replica reclaims them after
 * PENDING_IDLE_MS and sinks them; nothing is lost.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Broker } from "../../src/broker/Broker.ts"
import { sharedRedis } from "../helpers/redis.ts"
import { startServer } from "../helpers/server.ts"
import { events, ingest, pipelineConfig, startPipeline, waitFor } from "./support.ts"

const test = suite("distributor reclaim (redis, processes)")

test("entries pending on a consumer killed with SIGKILL are reclaimed and sunk by another replica", async () => {
  const redis = await sharedRedis()
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-reclaim-"))
  const config = await pipelineConfig("redis", { roles: ["collector"], pendingIdleMs: 300, blockMs: 200 })
  const producer = await startPipeline(config)
  // The victim's archive can't be written (its parent is a file), so it reads entries and can't ack them:
  // they stay pending on it, as they would on a consumer that dies mid-batch.
  const victim = await startServer({
    ROLES: "distributor",
    REDIS_URL: redis.url,
    KEY_PREFIX: config.keyPrefix,
    STREAM_NAME: config.streamName,
    CONSUMER_NAME: "victim",
    ARCHIVE_FILE: "/dev/null/archive.log",
    PENDING_IDLE_MS: "600000",
    BLOCK_MS: "200"
  })
  let survivor: Awaited<ReturnType<typeof startPipeline>> | undefined
  try {
    const ids = await ingest(producer.app, events(200, "reclaim"))
    const group = () => producer.run(Effect.flatMap(Broker, (b) => b.groupInfo(config.streamName, config.consumerGroup)))
    const held = await waitFor(async () => (await group()).consumers.find((c) => c.name === "victim")?.pending === ids.length, 15_000)
    assert.ok(held, `the victim holds every entry: ${JSON.stringify(await group())}`)
    await victim.stop("SIGKILL")

    const archive = join(dir, "survivor.log")
    survivor = await startPipeline({ ...config, roles: ["distributor"], consumerName: "survivor", archiveFile: archive })
    const drained = await waitFor(async () => (await group()).pending === 0, 15_000)
    assert.ok(drained, `the survivor reclaimed and acked everything: ${JSON.stringify(await group())}`)
    assert.ok(existsSync(archive))
    const archived = readFileSync(archive, "utf8").split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { id: string }).id)
    assert.equal([...new Set(archived)].sort(), [...ids].sort(), "every entry was sunk")
    const dead = await producer.run(Effect.flatMap(Broker, (b) => b.rangeAfter(`${config.streamName}:dead`, null, 10)))
    assert.is(dead.length, 0, "nothing went to the dead stream")
  } finally {
    await victim.stop("SIGKILL").catch(() => {})
    await survivor?.close()
    await producer.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
