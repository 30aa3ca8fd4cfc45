/**
 * @module test/distributor/subscribe.idle — with nobody subscribed the live
 * tail reads nothing (it sleeps until a subscriber joins), and a subscriber
 * that joins — even while events are being written — gets every event after
 * its join point: a contiguous run with no hole, through to the last one.
 * The fanout's bookkeeping (where the woken tail resumes) is checked alone too,
 * and a subscriber that cannot read its join point (Redis down) is told so.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Redis } from "ioredis"
import { Fanout } from "../../actors/distributor/fanout.ts"
import { startRedis } from "../helpers/redis.ts"
import { BACKENDS, events, ingest, pipelineConfig, startPipeline, subscribe, waitFor, withPipeline } from "./support.ts"

for (const backend of BACKENDS) {
  const test = suite(`distributor idle tail (${backend})`)

  test("a subscriber joining while the tail sleeps and events keep coming gets a contiguous run up to the last event", () =>
    withPipeline(backend, {}, async ({ app }) => {
      // Nobody subscribed for a while: the tail is asleep.
      const before = await ingest(app, events(20, "svc", 0))
      await new Promise((r) => setTimeout(r, 100))
      // A writer keeps going while the subscriber connects, and for a while after.
      const written: Array<string> = [...before]
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing && i < 400; i++) {
          written.push(...await ingest(app, events(5, "svc", 20 + i * 5)))
          await new Promise((r) => setTimeout(r, 2))
        }
      })()
      await new Promise((r) => setTimeout(r, 20))
      const client = await subscribe(app)
      assert.ok(await client.until(() => client.comments.includes("connected"), 3000), "connected")
      // Events written from here on were written after the subscriber joined (give or take the one
      // ingest of 5 in flight when the comment arrived): all of them must be delivered.
      const afterConnected = written.length + 5
      await new Promise((r) => setTimeout(r, 150))
      writing = false
      await writer
      const last = written.at(-1)
      assert.ok(await client.until((e) => e.some((x) => x.id === last), 5000), `the last event ${last} arrived`)
      const got = client.dataEvents().map((e) => e.id)
      const start = written.indexOf(got[0] ?? "")
      assert.ok(start >= before.length, `the first delivered event ${got[0]} (#${start}) was written after the subscriber connected`)
      assert.ok(start <= afterConnected, `delivery started at event #${start}, after #${afterConnected} had been written past the join`)
      assert.equal(got, written.slice(start), "every event from the first delivered one on, in order, none twice")
      assert.ok(got.length >= 25, `a run of ${got.length} events`)
      await client.close()
    }))

  test.run()
}

const unit = suite("fanout while the tail sleeps")

unit("the tail wakes at the first join and resumes after the oldest id anyone joined at while it slept", () => {
  const fanout = new Fanout(10)
  const all = { sources: null, minLevel: null, q: null }
  let woken = 0
  fanout.whenJoined(() => woken++)
  fanout.add(all, "9-0")
  assert.is(woken, 1, "woken by the first join")
  assert.is(fanout.tailWakes(), null, "a join while the tail was awake leaves no resume point")
  fanout.tailSleeps()
  fanout.whenJoined(() => woken++)
  fanout.add(all, "5-1")
  // A wait that timed out sleeps again: the joins so far are kept.
  fanout.tailSleeps()
  fanout.add(all, "5-3")
  fanout.add(all, "7-0")
  assert.is(woken, 2, "woken once, not once per join")
  assert.is(fanout.tailWakes(), "5-1", "the oldest join point")
  assert.is(fanout.tailWakes(), null, "taken once")
  fanout.tailSleeps()
  const cancel = fanout.whenJoined(() => woken++)
  cancel()
  fanout.add(all, "8-0")
  assert.is(woken, 2, "a cancelled wait is not called")
  assert.is(fanout.tailWakes(), "8-0")
})

unit.run()

const redisTest = suite("distributor idle tail (redis commands)")

redisTest("with nobody subscribed the tail sends no XREAD; once someone subscribes it reads again", async () => {
  // A server of its own: the test counts every XREAD it receives.
  const redis = await startRedis()
  const probe = new Redis(redis.url)
  const pipeline = await startPipeline(await pipelineConfig("redis", { redisUrl: redis.url }))
  try {
    const xreads = async () => Number(/cmdstat_xread:calls=(\d+)/.exec(await probe.info("commandstats"))?.[1] ?? 0)
    await new Promise((r) => setTimeout(r, 200))
    const idleBefore = await xreads()
    for (let i = 0; i < 40; i++) await ingest(pipeline.app, events(5, "idle", i * 5))
    await new Promise((r) => setTimeout(r, 100))
    const idleReads = (await xreads()) - idleBefore
    // Before, the idle tail blocked on XREAD "$" and woke for every one of these 40 writes.
    assert.ok(idleReads <= 2, `${idleReads} XREADs while nobody was subscribed`)
    const client = await subscribe(pipeline.app)
    assert.ok(await client.until(() => client.comments.includes("connected"), 3000), "connected")
    const ids = await ingest(pipeline.app, events(10, "live", 0))
    assert.ok(await client.until((e) => e.filter((x) => x.event === undefined).length >= 10, 5000), "the subscriber got the new events")
    assert.equal(client.dataEvents().map((e) => e.id), ids)
    assert.ok(await waitFor(async () => (await xreads()) > idleBefore + idleReads), "the tail reads again")
    await client.close()
  } finally {
    await pipeline.close()
    probe.disconnect()
    await redis.kill()
  }
})

redisTest("a subscriber that cannot learn its join point (Redis down) gets a named error and the stream ends; after Redis returns, subscribing works", async () => {
  const redis = await startRedis()
  const pipeline = await startPipeline(await pipelineConfig("redis", { redisUrl: redis.url }))
  try {
    await redis.kill()
    const down = await subscribe(pipeline.app)
    assert.ok(await down.until(() => down.ended(), 5000), "the stream ended")
    const error = down.events.find((e) => e.event === "error")
    assert.ok(error !== undefined && /latest failed/.test(error.data), `events: ${JSON.stringify(down.events)}`)
    await redis.restart()
    let ids: Array<string> = []
    assert.ok(await waitFor(async () => {
      ids = await ingest(pipeline.app, events(1, "back", 0)).catch(() => [])
      return ids.length === 1
    }, 15_000), "ingest works again")
    // Ingest has a connection of its own (the raw pipe), so it can be back before the
    // connection subscribe reads from: retry as an EventSource would (retry: 2000).
    let up = await subscribe(pipeline.app)
    for (let attempt = 0; attempt < 8 && !(await up.until(() => up.comments.includes("connected") || up.ended(), 5000) && up.comments.includes("connected")); attempt++) {
      await up.close()
      await new Promise((r) => setTimeout(r, 500))
      up = await subscribe(pipeline.app)
    }
    assert.ok(up.comments.includes("connected"), "connected")
    const more = await ingest(pipeline.app, events(3, "back", 1))
    assert.ok(await up.until((e) => e.filter((x) => x.event === undefined).length >= 3, 5000), "events flow")
    assert.equal(up.dataEvents().map((e) => e.id), more)
    await up.close()
  } finally {
    await pipeline.close()
    await redis.kill()
  }
})

redisTest.run()
