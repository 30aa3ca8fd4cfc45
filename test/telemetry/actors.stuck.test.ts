/**
 * @module test/telemetry/actors.stuck — an actor whose handler never returns is
 * flagged stuck in /debug/actors (with the operation and how long), /healthz
 * turns 503, and /metrics counts the stuck fiber.
 */
import { Effect, Layer } from "effect"
import { test } from "uvu"
import * as assert from "uvu/assert"
import { handleMessage, pause, supervise } from "../../src/actor/supervise.ts"
import { makeConfig } from "../../src/config.ts"
import { buildWith, getJson, request } from "./support.ts"

/** A test-only actor: its one message handler hangs forever. */
const Hanging = Layer.scopedDiscard(supervise("hanger", "main", handleMessage("hanger", "main", "forever", Effect.never)))
/** A healthy neighbour that keeps finishing messages quickly. */
const Busy = Layer.scopedDiscard(supervise("busy", "main", handleMessage("busy", "main", "tick", pause(1)).pipe(Effect.zipRight(pause(10)))))

interface ActorsView {
  actors: Array<{ name: string; stuck: Array<{ fiber: string; operation: string; forMs: number }>; fibers: Array<{ operation: string | null; running_for_ms: number | null }> }>
}

test("a handler that never returns is flagged stuck in /debug/actors and /healthz turns 503", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { app } = yield* buildWith(makeConfig({ roles: ["collector"], instanceId: "stuck-a", actorStuckMs: 1000 }), [Hanging, Busy])
    // Before ACTOR_STUCK_MS has passed nothing is stuck yet.
    const early = yield* getJson<ActorsView>(app, "/debug/actors")
    assert.is(early.body.actors.find((a) => a.name === "hanger")?.stuck.length, 0)
    assert.is((yield* request(app, "/healthz")).status, 200)
    yield* pause(1300)
    const late = yield* getJson<ActorsView>(app, "/debug/actors")
    const hanger = late.body.actors.find((a) => a.name === "hanger")
    assert.ok(hanger)
    assert.is(hanger.stuck.length, 1)
    assert.is(hanger.stuck[0].operation, "forever")
    assert.ok(hanger.stuck[0].forMs >= 1000)
    assert.is(hanger.fibers[0].operation, "forever")
    assert.is(late.body.actors.find((a) => a.name === "busy")?.stuck.length, 0)
    const health = yield* getJson<{ status: string; checks: { stuck: Array<{ actor: string }>; actors: Record<string, { ok: boolean }> } }>(app, "/healthz")
    assert.is(health.status, 503)
    assert.is(health.body.status, "degraded")
    assert.equal(health.body.checks.stuck.map((s) => s.actor), ["hanger"])
    assert.is(health.body.checks.actors.hanger.ok, false)
    assert.is(health.body.checks.actors.busy.ok, true)
    const metrics = yield* Effect.promise(() => Promise.resolve(app.request("/metrics")).then((r) => r.text()))
    assert.match(metrics, /^fluxgate_actor_stuck_fibers\{actor="hanger"\} 1$/m)
    assert.match(metrics, /^fluxgate_actor_stuck_fibers\{actor="busy"\} 0$/m)
  })))
})

test.run()
