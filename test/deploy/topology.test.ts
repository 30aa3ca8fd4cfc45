/**
 * @module test/deploy/topology — the Compose topology (Redis, api ×2,
 * distributor ×2, worker ×3, generator ×1, read from docker-compose.yml) run as
 * processes on loopback: events ingested through one api reach subscribers on
 * both distributors; tasks spread over all three workers; a worker and a
 * distributor killed with SIGKILL mid-load lose nothing; every api restarted in
 * turn under load fails no request beyond the documented client retries.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { uniqueName } from "../helpers/redis.ts"
import {
  createTask, eventually, events, increasing, ingest, json, messages, sameSequence, requestWithRetry, setUp, startTopology, statuses, subscribe,
  type RetryStats, type Topology
} from "./topology.ts"

const test = suite("compose topology on loopback")
let topo: Topology

const topology = setUp(() => startTopology())
test.before(topology.hook)
// Inside each test's own try, so a failed set-up fails every test with its error.
test.before.each(() => {
  topo = topology.get()
})
test.after(async () => {
  await topology.peek()?.close()
})

test("events ingested through one api reach subscribers on both distributors, in stream order", async () => {
  const [api] = topo.of("api")
  const source = uniqueName("fanout")
  // Subscribing after a marker event and resuming from its id makes the test independent of when
  // each subscription registers: anything after the marker is replayed or delivered live.
  const [marker] = await ingest(api, events(source, "marker", 0, 1))
  const subs = topo.of("distributor").map((d) => subscribe(`${d.url()}/subscribe?source=${source}`, marker))
  await Promise.all(subs.map((s) => s.opened))
  const expected: Array<string> = []
  for (let batch = 0; batch < 10; batch++) {
    await ingest(api, events(source, "e", batch * 10, 10))
    for (let i = 0; i < 10; i++) expected.push(`e-${batch * 10 + i}`)
  }
  try {
    for (const sub of subs) {
      await eventually("subscriber has 100 events", 10_000, async () => (sub.events.length >= 100 ? true : undefined))
      sameSequence(messages(sub.events), expected, "messages in stream order")
      assert.ok(increasing(sub.events.map((e) => e.id)), "SSE ids are increasing stream ids")
    }
  } finally {
    subs.forEach((s) => s.close())
  }
})

test("tasks created through both apis are spread over all three workers (each handled_by appears)", async () => {
  const apis = topo.of("api")
  // Enough work (60 × 200 ms at WORKER_CONCURRENCY=2) that two workers alone would take seconds: a worker whose
  // fetch loop is briefly backing off after a transient Redis error under CI load still gets its share.
  const created = await Promise.all(Array.from({ length: 60 }, (_, i) => createTask(apis[i % 2], { type: "sleep", payload: { ms: 200 } })))
  assert.equal(new Set(created.map((c) => c.initiated_by)), new Set(apis.map((a) => a.instanceId)))
  const ids = created.map((c) => c.task_id)
  const done = await eventually("all 60 tasks succeeded", 30_000, async () => {
    const records = await statuses(apis[1], ids)
    return records.every((r) => r.status === "succeeded") ? records : undefined
  })
  const handledBy = new Set(done.map((r) => r.handled_by))
  assert.equal([...handledBy].sort(), topo.of("worker").map((w) => w.instanceId).sort())
  assert.ok(done.every((r) => r.checked_by === apis[1].instanceId))
})

test("killing one worker and one distributor with SIGKILL mid-load loses no task and no event", async () => {
  const apis = topo.of("api")
  const [deadWorker] = topo.of("worker")
  const [deadDistributor, liveDistributor] = topo.of("distributor")
  const source = uniqueName("crash")
  const [marker] = await ingest(apis[0], events(source, "marker", 0, 1))
  // A subscriber on each distributor; the one on the killed replica resumes on the other (Last-Event-ID).
  const onDead = subscribe(`${deadDistributor.url()}/subscribe?source=${source}`, marker)
  const onLive = subscribe(`${liveDistributor.url()}/subscribe?source=${source}`, marker)
  await Promise.all([onDead.opened, onLive.opened])

  const taskIds: Array<string> = []
  const expected: Array<string> = []
  let killed = false
  for (let round = 0; round < 20; round++) {
    const api = apis[round % 2]
    const batch = events(source, "c", round * 10, 10)
    await ingest(api, batch)
    expected.push(...batch.map((e) => e.message))
    for (let i = 0; i < 3; i++) taskIds.push((await createTask(api, { type: "sleep", payload: { ms: 150 } })).task_id)
    if (round === 8 && !killed) {
      await Promise.all([topo.kill9(deadWorker), topo.kill9(deadDistributor)])
      killed = true
    }
    await new Promise((r) => setTimeout(r, 30))
  }
  const deadEnd = await onDead.ended
  assert.match(deadEnd, /failed|ended/, "the killed distributor's stream ended")
  const resumed = subscribe(`${liveDistributor.url()}/subscribe?source=${source}`, onDead.lastId() ?? marker, onDead.events)
  try {
    for (const sub of [onLive, { events: onDead.events }]) {
      await eventually("every event reached the subscriber", 15_000, async () => (sub.events.length >= expected.length ? true : undefined))
      sameSequence(messages(sub.events), expected, "messages in stream order")
    }
    // The killed worker's leased tasks come back when its heartbeat expires; all finish.
    const done = await eventually(`all ${taskIds.length} tasks succeeded`, 30_000, async () => {
      const records = await statuses(apis[0], taskIds)
      return records.every((r) => r.status === "succeeded") ? records : undefined
    })
    assert.is(done.length, 60)
    // The durable consumer group: nothing left pending on the dead consumer, nothing unread.
    await eventually("consumer group has no lag and no pending entries", 15_000, async () => {
      const groups = (await topo.client.xinfo("GROUPS", topo.names.stream)) as Array<Array<string | number | null>>
      const group = groups.map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]])))
        .find((g) => g.name === topo.names.group)
      return group !== undefined && group.lag !== null && Number(group.pending) === 0 && Number(group.lag) === 0 ? true : undefined
    })
  } finally {
    onLive.close()
    resumed.close()
  }
  // Self-healing, as Compose's restart policy or a ReplicaSet would: the same members come back and serve.
  await Promise.all([topo.start(deadWorker), topo.start(deadDistributor)])
})

test("a rolling restart of every api under load fails no request beyond the documented client retries", async () => {
  const apis = topo.of("api")
  const source = uniqueName("roll")
  const stats: RetryStats = { requests: 0, retries: 0, failures: [] }
  const acknowledged = new Set<string>()
  const tasks: Array<string> = []
  let running = true
  let seq = 0
  const client = async (lane: number) => {
    while (running) {
      const n = seq++
      const res = n % 4 === 3
        ? await requestWithRetry(apis, lane, "/task", { method: "POST", headers: json, body: JSON.stringify({ a: n, b: 1 }) }, stats)
        : await requestWithRetry(apis, lane, "/ingest", { method: "POST", headers: json, body: JSON.stringify({ source, level: "info", message: `r-${n}` }) }, stats)
      if (res === undefined) continue
      const body = (await res.json()) as { task_id?: string }
      if (res.status !== 202) stats.failures.push(`${res.status} ${JSON.stringify(body)}`)
      else if (body.task_id !== undefined) tasks.push(body.task_id)
      else acknowledged.add(`r-${n}`)
    }
  }
  const load = [0, 1, 0, 1].map((lane) => client(lane))
  const restarts: Array<string> = []
  try {
    for (const api of apis) {
      await new Promise((r) => setTimeout(r, 500))
      const stopped = Date.now()
      const code = await topo.stop(api)
      restarts.push(`${api.instanceId} exited ${code} in ${Date.now() - stopped} ms`)
      assert.is(code, 0, `graceful stop of ${api.instanceId}:\n${api.server?.output().slice(-2000)}`)
      await topo.start(api, `${api.instanceId}-r1`)
    }
    await new Promise((r) => setTimeout(r, 500))
  } finally {
    running = false
    await Promise.all(load)
  }
  assert.equal(stats.failures, [], `failed after retries (${restarts.join(", ")})`)
  assert.ok(stats.requests > 50, `load ran: ${stats.requests} requests, ${stats.retries} retries`)
  // Every acknowledged event is in the stream; every acknowledged task finishes.
  const entries = await topo.client.xrange(topo.names.stream, "-", "+")
  const inStream = new Set(entries.map(([, fields]) => fields[fields.indexOf("message") + 1]).filter((m) => m.startsWith("r-")))
  const missing = [...acknowledged].filter((m) => !inStream.has(m))
  assert.equal(missing, [])
  await eventually(`all ${tasks.length} tasks created during the roll succeeded`, 20_000, async () => {
    const records = await statuses(apis[0], tasks)
    return records.every((r) => r.status === "succeeded") ? true : undefined
  })
  console.log(`  rolling restart: ${stats.requests} requests, ${stats.retries} retries, 0 failures; ${restarts.join(", ")}`)
})

test.run()
