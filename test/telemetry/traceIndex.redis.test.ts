/**
 * @module test/telemetry/traceIndex.redis — two processes on one real Redis:
 * a trace started in one is shown whole (both instances' spans) by
 * /debug/traces/:id on the other; the index is capped per trace and expires.
 */
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { Hono } from "hono"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { handleMessage } from "../../src/actor/supervise.ts"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { layerMemory } from "../../src/broker/memory.ts"
import { layerRedis } from "../../src/broker/redis.ts"
import { makeConfig } from "../../src/config.ts"
import { registerRoutes, type AppEnv } from "../../src/http/routes.ts"
import { appendTraceSpans } from "../../src/telemetry/scripts/appendTraceSpans.ts"
import { withTraceparent } from "../../src/telemetry/traceparent.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"
import { buildWith, getJson, request } from "./support.ts"

const redis = await sharedRedis()

/** A route that continues a trace given in the query, as a consumer of a stored traceparent would. */
const Consumer = Layer.scopedDiscard(registerRoutes<never>("consumer", (run) =>
  new Hono<AppEnv>().get("/consume", (c) =>
    run(c, withTraceparent(c.req.query("tp"))(Effect.as(Effect.withSpan(Effect.sleep(2), "consumer.deliver", { root: false }), c.text("ok")))))))

test("a trace started in process A is shown whole by /debug/traces/:id on process B (and on A)", async () => {
  const prefix = uniqueName("p")
  const cfg = (instanceId: string) => makeConfig({ roles: ["collector"], instanceId, redisUrl: redis.url, keyPrefix: prefix })
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const a = yield* buildWith(cfg("index-a"), [Consumer])
    const b = yield* buildWith(cfg("index-b"), [Consumer])
    const T = "6bf92f3577b34da6a3ce929d0e0e4736"
    const res = yield* request(a.app, "/consume", { headers: { traceparent: `00-${T}-20f067aa0ba902b7-01` } })
    const tpA = res.headers.get("traceparent") ?? ""
    // B continues A's request span, as a distributor continues an entry's stored traceparent.
    yield* request(b.app, `/consume?tp=${encodeURIComponent(tpA)}`)
    type One = { instances: Array<string>; spans: Array<{ name: string; span_id: string; parent_span_id: string | null; instance_id: string }> }
    let seen: One | undefined
    for (let i = 0; i < 50 && (seen?.instances.length ?? 0) < 2; i++) {
      yield* Effect.sleep(100)
      const r = yield* getJson<One>(b.app, `/debug/traces/${T}`)
      seen = r.status === 200 ? r.body : undefined
    }
    assert.ok(seen, "B knows the trace")
    assert.equal([...seen.instances].sort(), ["index-a", "index-b"])
    const serverA = seen.spans.find((s) => s.instance_id === "index-a" && s.name === "http GET /consume")
    const deliverB = seen.spans.find((s) => s.instance_id === "index-b" && s.name === "consumer.deliver")
    assert.ok(serverA && deliverB, JSON.stringify(seen.spans.map((s) => [s.instance_id, s.name])))
    // parent links intact across processes: B's span is a child of A's request span
    assert.is(deliverB.parent_span_id, serverA.span_id)
    assert.is(serverA.parent_span_id, "20f067aa0ba902b7")
    // no duplicates when a process also holds its own spans locally
    assert.is(new Set(seen.spans.map((s) => s.span_id)).size, seen.spans.length)
    let fromA: One | undefined
    for (let i = 0; i < 50 && (fromA?.instances.length ?? 0) < 2; i++) {
      const r = yield* getJson<One>(a.app, `/debug/traces/${T}`)
      fromA = r.body
      if (fromA.instances.length < 2) yield* Effect.sleep(100)
    }
    assert.equal([...(fromA?.instances ?? [])].sort(), ["index-a", "index-b"])
    assert.is(fromA?.spans.length, seen.spans.length)
  })))
})

test("the trace index keeps at most the newest cap spans per trace and sets a TTL, on Redis and embedded", async () => {
  for (const [name, layer] of [["redis", layerRedis({ url: redis.url })], ["embedded", layerMemory()]] as const) {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const broker = yield* Broker
      const key = keys(uniqueName("p")).trace("7bf92f3577b34da6a3ce929d0e0e4736")
      const first = yield* broker.run(appendTraceSpans, [key], ["60000", "3", "a", "b"])
      const second = yield* broker.run(appendTraceSpans, [key], ["60000", "3", "c", "d", "e"])
      assert.is(first, 2, name)
      assert.is(second, 3, name)
      assert.equal(yield* broker.listRange(key, 0, -1), ["c", "d", "e"], name)
    }).pipe(Effect.provide(layer))))
  }
  const probe = new Redis(redis.url)
  try {
    const key = keys(uniqueName("p")).trace("8bf92f3577b34da6a3ce929d0e0e4736")
    await Effect.runPromise(Effect.scoped(Effect.flatMap(Broker, (b) => b.run(appendTraceSpans, [key], ["5000", "10", "x"]))).pipe(Effect.provide(layerRedis({ url: redis.url }))))
    const ttl = await probe.pttl(key)
    assert.ok(ttl > 0 && ttl <= 5000, String(ttl))
  } finally {
    probe.disconnect()
  }
})

test("the script declares every key it touches", () => {
  const highest = Math.max(...[...appendTraceSpans.lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])))
  assert.is(highest, appendTraceSpans.numberOfKeys)
})

test.run()
