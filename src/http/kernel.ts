/**
 * @module http/kernel — the routes every process serves whatever its roles:
 * health, readiness, identity, broker diagnostics and effective config.
 */
import { Duration, Effect, Either } from "effect"
import { Hono } from "hono"
import { actorView, ActorRegistry } from "../actor/registry.ts"
import { Broker } from "../broker/Broker.ts"
import { AppConfig, publicConfig, variables } from "../config.ts"
import { Lifecycle, VERSION } from "../lifecycle.ts"
import { registerRoutes, type AppEnv } from "./routes.ts"

/** Everything `/healthz` checks, as one JSON document; `ok` false → 503. */
export const healthReport = Effect.gen(function*() {
  const broker = yield* Broker
  const registry = yield* ActorRegistry
  const config = yield* AppConfig
  const lifecycle = yield* Lifecycle
  const ping = yield* broker.diagnostics.pipe(Effect.timeout(Duration.seconds(2)), Effect.either)
  const brokerCheck = Either.match(ping, {
    onLeft: (e) => ({ ok: false, backend: broker.backend, error: e.message }),
    onRight: (d) => ({ ok: true, backend: d.backend, latency_ms: Math.round(d.roundTripMs * 100) / 100 })
  })
  const stuck = registry.stuck(config.actorStuckMs)
  const actors: Record<string, unknown> = {}
  let actorsOk = true
  for (const a of registry.all()) {
    const probes: Record<string, unknown> = {}
    let ok = a.state !== "restarting" && !stuck.some((s) => s.actor === a.name)
    for (const [name, probe] of a.probes) {
      const r = yield* probe
      probes[name] = r.detail
      ok = ok && r.ok
    }
    actorsOk = actorsOk && ok
    actors[a.name] = { ok, state: a.state, restarts: a.restarts, last_error: a.lastError, ...probes }
  }
  const ok = brokerCheck.ok && actorsOk && !lifecycle.isDraining()
  return {
    status: ok ? "ok" : "degraded",
    instance_id: config.instanceId,
    checks: { broker: brokerCheck, actors, stuck, draining: lifecycle.isDraining() }
  }
})

export const registerKernelRoutes = registerRoutes<Broker | ActorRegistry | AppConfig | Lifecycle>("kernel", (run) =>
  new Hono<AppEnv>()
    .get("/healthz", (c) => run(c, Effect.map(healthReport, (r) => c.json(r, r.status === "ok" ? 200 : 503))))
    .get("/health", (c) => run(c, Effect.map(healthReport, (r) => c.json(r, r.status === "ok" ? 200 : 503))))
    .get("/readyz", (c) =>
      run(c, Effect.gen(function*() {
        const lifecycle = yield* Lifecycle
        const broker = yield* Broker
        const ping = yield* broker.diagnostics.pipe(Effect.timeout(Duration.seconds(2)), Effect.either)
        const ready = !lifecycle.isDraining() && Either.isRight(ping)
        return c.json({ ready, draining: lifecycle.isDraining(), broker: Either.isRight(ping) }, ready ? 200 : 503)
      })))
    .get("/whoami", (c) =>
      run(c, Effect.gen(function*() {
        const config = yield* AppConfig
        const lifecycle = yield* Lifecycle
        return c.json({
          instance_id: config.instanceId,
          container_id: config.instanceId,
          roles: config.roles,
          version: VERSION,
          runtime: lifecycle.runtime,
          uptime_s: Math.round((Date.now() - lifecycle.startedAt) / 1000)
        })
      })))
    .get("/valkey_test", (c) =>
      run(c, Effect.gen(function*() {
        const broker = yield* Broker
        const config = yield* AppConfig
        const result = yield* broker.diagnostics.pipe(Effect.timeout(Duration.seconds(3)), Effect.either)
        return Either.match(result, {
          onLeft: (e) => c.json({ status: "error", backend: broker.backend, error: e.message, checked_by: config.instanceId }, 503),
          onRight: (d) =>
            c.json({
              status: "ok",
              backend: d.backend,
              server_version: d.version,
              mode: d.mode,
              write_read_ok: true,
              round_trip_ms: Math.round(d.roundTripMs * 100) / 100,
              checked_by: config.instanceId
            })
        })
      })))
    .get("/config", (c) =>
      run(c, Effect.map(AppConfig, (config) =>
        c.json({ config: publicConfig(config), variables: variables.map((v) => ({ ...v })) }))))
    .get("/debug/actors", (c) =>
      run(c, Effect.gen(function*() {
        const registry = yield* ActorRegistry
        const config = yield* AppConfig
        const stuck = registry.stuck(config.actorStuckMs)
        return c.json({
          instance_id: config.instanceId,
          actors: registry.all().map((a) => ({ ...actorView(a), stuck: stuck.filter((s) => s.actor === a.name) }))
        })
      })))
)
