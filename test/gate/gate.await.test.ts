/** @module test/gate/gate.await — waiters get exactly one message, time out when asked, and survive restarts. */
import { Effect, Fiber } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { awaitGate } from "../../actors/gate/await.ts"
import { readGate } from "../../actors/gate/state.ts"
import { makeConfig } from "../../src/config.ts"
import { buildApp } from "../../src/main.ts"
import { sharedRedis, uniqueName } from "../helpers/redis.ts"
import { BACKENDS, post, withGate } from "./support.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const backend of BACKENDS) {
  test(`[${backend}] a waiter that started the round resumes with the message written later`, () =>
    withGate(backend, async ({ app, run }) => {
      const waiting = run(awaitGate("default", { prompt: "your name?", waiter: "task:t1" }))
      await sleep(50)
      const state = await (await app.request("/io")).json() as { state: string; prompt: string; waiter: string }
      assert.is(state.state, "awaiting")
      assert.is(state.prompt, "your name?")
      assert.is(state.waiter, "task:t1")
      assert.is((await post(app, "/io/write", { message: "Grace" })).status, 200)
      const outcome = await waiting
      assert.is(outcome?._tag, "Message")
      assert.is(outcome?._tag === "Message" ? outcome.message : "", "Grace")
    }))

  test(`[${backend}] of two joiners, exactly one receives the message; the other learns the round ended`, () =>
    withGate(backend, async ({ app, run }) => {
      assert.is((await post(app, "/io/start")).status, 200)
      const a = run(awaitGate("default", { whenBusy: "join", waiter: "generator:a" }))
      const b = run(awaitGate("default", { whenBusy: "join", waiter: "generator:b" }))
      await sleep(50)
      assert.is((await post(app, "/io/write", { message: "only once" })).status, 200)
      const outcomes = await Promise.all([a, b])
      assert.equal(outcomes.map((o) => o?._tag).sort(), ["Message", "Superseded"])
    }))

  test(`[${backend}] timeout_ms on start: the waiter resumes with a timeout and a late write is refused`, () =>
    withGate(backend, async ({ app, run }) => {
      assert.is((await post(app, "/io/start", { timeout_ms: 200 })).status, 200)
      const began = Date.now()
      const outcome = await run(awaitGate("default", { whenBusy: "join" }))
      const took = Date.now() - began
      assert.is(outcome?._tag, "Timeout")
      assert.ok(took >= 150 && took < 2000, `took ${took} ms`)
      const state = await (await app.request("/io")).json() as { state: string; last_outcome: string }
      assert.is(state.state, "idle")
      assert.is(state.last_outcome, "timeout")
      assert.is((await post(app, "/io/write", { message: "too late" })).status, 409)
    }))

  test(`[${backend}] a gate whose deadline passed with no waiter reads as idle and can start again`, () =>
    withGate(backend, async ({ app }) => {
      assert.is((await post(app, "/io/start", { timeout_ms: 50 })).status, 200)
      await sleep(80)
      assert.is(((await (await app.request("/io")).json()) as { state: string }).state, "idle")
      assert.is((await post(app, "/io/start")).status, 200)
    }))

  test(`[${backend}] a message left over from an earlier round (nobody waited) never answers a later round`, () =>
    withGate(backend, async ({ app, run }) => {
      assert.is((await post(app, "/io/start")).status, 200)
      assert.is((await post(app, "/io/write", { message: "first" })).status, 200)
      const waiting = run(awaitGate("default", { prompt: "second round", waiter: "task:late" }))
      await sleep(100)
      assert.is((await post(app, "/io/write", { message: "second" })).status, 200)
      const outcome = await waiting
      assert.is(outcome?._tag === "Message" ? outcome.message : outcome?._tag, "second")
    }))

  test(`[${backend}] a waiter that died mid-wait is replaced by its retry, which rejoins the same round and gets the message`, () =>
    withGate(backend, async ({ app, run }) => {
      const first = await run(Effect.gen(function*() {
        const fiber = yield* Effect.fork(awaitGate("default", { prompt: "retry me", waiter: "task:r1", whenBusy: "queue" }))
        yield* Effect.sleep(100)
        yield* Fiber.interrupt(fiber)
        return yield* readGate("default")
      }))
      assert.is(first.state, "awaiting")
      const retry = run(awaitGate("default", { prompt: "retry me", waiter: "task:r1", whenBusy: "queue" }))
      await sleep(100)
      const state = await (await app.request("/io")).json() as { generation: number; waiter: string }
      assert.is(state.generation, first.generation, "no second round was started")
      assert.is((await post(app, "/io/write", { message: "after the crash" })).status, 200)
      const outcome = await retry
      assert.is(outcome?._tag === "Message" ? outcome.message : outcome?._tag, "after the crash")
    }))

  test(`[${backend}] an ask-style waiter queues behind a running round and then runs its own`, () =>
    withGate(backend, async ({ app, run }) => {
      assert.is((await post(app, "/io/start", { prompt: "first" })).status, 200)
      const queued = run(awaitGate("default", { prompt: "second", whenBusy: "queue", waiter: "task:q" }))
      await sleep(50)
      assert.is((await post(app, "/io/write", { message: "answer one" })).status, 200)
      await sleep(400)
      const state = await (await app.request("/io")).json() as { state: string; prompt: string }
      assert.is(state.state, "awaiting")
      assert.is(state.prompt, "second")
      assert.is((await post(app, "/io/write", { message: "answer two" })).status, 200)
      const outcome = await queued
      assert.is(outcome?._tag === "Message" ? outcome.message : "", "answer two")
    }))
}

test("[redis] across a process restart an awaiting gate is still awaiting, and the write after it is delivered", async () => {
  const redis = await sharedRedis()
  const config = makeConfig({ keyPrefix: uniqueName("p"), redisUrl: redis.url, roles: ["gate"] })
  const first = () => Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildApp(config, "node")
    const res = yield* Effect.promise(() => post(app, "/io/start", { prompt: "survive?" }))
    assert.is(res.status, 200)
  })))
  await first()
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildApp(config, "node")
    const state = yield* Effect.promise(async () => (await app.request("/io")).json() as Promise<{ state: string; prompt: string }>)
    assert.is(state.state, "awaiting")
    assert.is(state.prompt, "survive?")
    const again = yield* Effect.promise(() => post(app, "/io/start"))
    assert.is(again.status, 409)
    const w = yield* Effect.promise(() => post(app, "/io/write", { message: "yes" }))
    assert.is(w.status, 200)
  })))
})

test("[redis] two processes' apps (separate connections) racing POST /io/start: exactly one 200", async () => {
  const redis = await sharedRedis()
  const config = makeConfig({ keyPrefix: uniqueName("p"), redisUrl: redis.url, roles: ["gate"] })
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const a = yield* buildApp(config, "node")
    const b = yield* buildApp(config, "node")
    for (let round = 0; round < 5; round++) {
      const statuses = yield* Effect.promise(() => Promise.all([post(a.app, "/io/start"), post(b.app, "/io/start")]).then((rs) => rs.map((r) => r.status).sort()))
      assert.equal(statuses, [200, 409], `round ${round}`)
      const w = yield* Effect.promise(() => post(round % 2 === 0 ? a.app : b.app, "/io/write", { message: `m${round}` }))
      assert.is(w.status, 200)
    }
  })))
})

test.run()
