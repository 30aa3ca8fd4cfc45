/**
 * @module test/deploy/cluster.topology — the same Compose topology, every
 * process on a local 3-master Redis Cluster (REDIS_CLUSTER_NODES → the ioredis
 * Cluster client): logs fan out to both distributors and tasks run on all
 * workers, with the stream, the queues and Fluxgate's own keys spread over
 * different slots (each multi-key operation stays in one slot by hash tag).
 */
import { Cluster } from "ioredis"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { uniqueName } from "../helpers/redis.ts"
import { startRedisCluster, type RedisCluster } from "./redisCluster.ts"
import { createTask, eventually, events, increasing, ingest, messages, sameSequence, setUp, startTopology, statuses, subscribe, type Topology } from "./topology.ts"

const test = suite("compose topology on a 3-master Redis Cluster")
let topo: Topology
let cluster: RedisCluster | undefined

const topology = setUp(async () => {
  cluster = await startRedisCluster()
  return startTopology({ cluster })
})
test.before(topology.hook)
// Inside each test's own try, so a failed set-up fails every test with its error.
test.before.each(() => {
  topo = topology.get()
})
test.after(async () => {
  await topology.peek()?.close()
  await cluster?.stop()
})

test("every process reports the cluster backend, and the keys it uses are spread over slots (not pinned to one master by a shared hash tag)", async () => {
  for (const member of topo.members) {
    const res = await fetch(`${member.url()}/valkey_test`)
    const body = (await res.json()) as { status: string; mode: string }
    assert.is(res.status, 200, member.instanceId)
    assert.is(body.mode, "cluster", member.instanceId)
  }
  const client = topo.client as Cluster
  const slotOwner = async (key: string) => {
    const slot = Number(await client.cluster("KEYSLOT", key))
    const ranges = await client.cluster("SLOTS")
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)
    return { slot, master: range ? `${range[2][0]}:${range[2][1]}` : "?" }
  }
  const placed = await Promise.all([topo.names.stream, topo.names.queue, topo.names.taskQueue, `{${topo.names.prefix}}:x`].map(slotOwner))
  // Slots, not masters: four random names all land on one of three masters 1 time in 27, which
  // says nothing about Fluxgate; four keys forced into ONE slot would (a shared hash tag).
  const slots = new Set(placed.map((p) => p.slot))
  assert.ok(slots.size >= 3, `stream, queues and own keys in slots ${JSON.stringify(placed)}`)
})

test("on the cluster, events ingested through one api reach subscribers on both distributors in order", async () => {
  const [api] = topo.of("api")
  const source = uniqueName("cl-fanout")
  const [marker] = await ingest(api, events(source, "marker", 0, 1))
  const subs = topo.of("distributor").map((d) => subscribe(`${d.url()}/subscribe?source=${source}`, marker))
  await Promise.all(subs.map((s) => s.opened))
  const expected = events(source, "e", 0, 50).map((e) => e.message)
  for (let batch = 0; batch < 5; batch++) await ingest(topo.of("api")[batch % 2], events(source, "e", batch * 10, 10))
  try {
    for (const sub of subs) {
      await eventually("subscriber has 50 events", 10_000, async () => (sub.events.length >= 50 ? true : undefined))
      sameSequence(messages(sub.events), expected, "messages in stream order")
      assert.ok(increasing(sub.events.map((e) => e.id)))
    }
  } finally {
    subs.forEach((s) => s.close())
  }
})

test("on the cluster, tasks run on all three workers and a SIGKILLed worker's tasks are recovered", async () => {
  const apis = topo.of("api")
  const ids: Array<string> = []
  for (let i = 0; i < 30; i++) {
    ids.push((await createTask(apis[i % 2], { type: "sleep", payload: { ms: 100 } })).task_id)
    if (i === 12) await topo.kill9(topo.of("worker")[0])
  }
  const done = await eventually("all 30 tasks succeeded", 30_000, async () => {
    const records = await statuses(apis[0], ids)
    return records.every((r) => r.status === "succeeded") ? records : undefined
  })
  const survivors = topo.of("worker").slice(1).map((w) => w.instanceId)
  const handledBy = new Set(done.map((r) => String(r.handled_by)))
  for (const w of survivors) assert.ok(handledBy.has(w), `${w} handled some tasks`)
  assert.ok([...handledBy].every((w) => topo.of("worker").some((m) => m.instanceId === w)))
})

test("on the cluster, a bulk POST /task queues every task once its records exist, and pure tasks record their results (records and queue in different slots)", async () => {
  const [api] = topo.of("api")
  const batch = Array.from({ length: 300 }, (_, i) => ({ type: "add", payload: { a: i, b: 1000 } }))
  const res = await fetch(`${api.url()}/task`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) })
  const body = (await res.json()) as { task_ids: Array<string> }
  assert.is(res.status, 202, JSON.stringify(body).slice(0, 200))
  assert.is(body.task_ids.length, 300)
  const done = await eventually("all 300 bulk tasks succeeded", 30_000, async () => {
    const records = await statuses(api, body.task_ids)
    return records.every((r) => r.status === "succeeded") ? records : undefined
  })
  done.forEach((r, i) => assert.is((r as { result?: unknown }).result, i + 1000, `task ${i}'s result`))
})

test.run()
