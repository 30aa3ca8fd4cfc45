/** @module test/kernel/supervise — actor loops restart on failures and defects, and report what they do. */
import { Effect, Layer, Schedule, type Scope } from "effect"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { ActorRegistry, layerRegistry } from "../../src/actor/registry.ts"
import { handleMessage, supervise } from "../../src/actor/supervise.ts"

const fast = Schedule.spaced("5 millis")
const run = <A, E>(program: Effect.Effect<A, E, ActorRegistry | Scope.Scope>) =>
  Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Layer.fresh(layerRegistry))))

const test = suite("actor supervision")

test("a loop that throws a defect is restarted and its restarts and last error are recorded", () =>
  run(Effect.gen(function*() {
    let calls = 0
    yield* supervise("demo", "loop", Effect.sync(() => {
      calls++
      if (calls <= 3) throw new Error(`boom ${calls}`)
    }).pipe(Effect.zipRight(Effect.sleep("1 millis"))), { schedule: fast })
    yield* Effect.sleep("200 millis")
    const registry = yield* ActorRegistry
    const status = registry.actor("demo")
    assert.is(status.restarts, 3)
    assert.match(status.lastError ?? "", "boom 3")
    assert.ok(calls > 3, `loop kept running after restarts (calls=${calls})`)
  })))

test("a handled failure restarts the loop the same way", () =>
  run(Effect.gen(function*() {
    let calls = 0
    yield* supervise("demo2", "loop", Effect.suspend(() => (++calls === 1 ? Effect.fail("nope") : Effect.sleep("5 millis"))), { schedule: fast })
    yield* Effect.sleep("60 millis")
    const status = (yield* ActorRegistry).actor("demo2")
    assert.is(status.restarts, 1)
    assert.ok(calls > 2)
  })))

test("handleMessage counts handled and failed messages and clears the current operation", () =>
  run(Effect.gen(function*() {
    const registry = yield* ActorRegistry
    registry.actor("counter").fibers.set("main", { name: "main", state: "running", operation: null, since: null, restarts: 0 })
    yield* handleMessage("counter", "main", "ok", Effect.void, {}, 5)
    yield* Effect.either(handleMessage("counter", "main", "bad", Effect.fail("x")))
    const status = registry.actor("counter")
    assert.is(status.handled, 5)
    assert.is(status.failed, 1)
    assert.is(status.fibers.get("main")?.operation, null)
    assert.ok(status.lastActivity !== null)
  })))

test("an operation running longer than the stuck threshold is reported stuck", () =>
  run(Effect.gen(function*() {
    const registry = yield* ActorRegistry
    yield* supervise("hang", "loop", handleMessage("hang", "loop", "forever", Effect.never))
    yield* Effect.sleep("50 millis")
    const stuck = registry.stuck(20)
    assert.is(stuck.length, 1)
    assert.is(stuck[0]?.operation, "forever")
    assert.is(registry.stuck(60_000).length, 0)
  })))

test("closing the scope interrupts supervised loops and marks them stopped", async () => {
  const registry = await Effect.runPromise(Effect.gen(function*() {
    const registry = yield* ActorRegistry
    yield* Effect.scoped(Effect.gen(function*() {
      yield* supervise("stopper", "loop", Effect.sleep("1 millis"))
      yield* Effect.sleep("10 millis")
    }))
    return registry
  }).pipe(Effect.provide(Layer.fresh(layerRegistry))))
  assert.is(registry.actor("stopper").fibers.get("loop")?.state, "stopped")
})

test.run()
