/** @module test/generator/generator.flows — simulated sessions are realistic and fixed by the seed. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { heartbeatSource, sessionSource } from "../../actors/generator/flows.ts"
import { makePrng } from "../../actors/generator/prng.ts"

const take = (seed: string, n: number) => {
  const next = sessionSource(makePrng(seed))
  return Array.from({ length: n }, () => next())
}

test("the same GENERATOR_SEED yields the same sequence of events", () => {
  assert.equal(take("fluxgate", 2000), take("fluxgate", 2000))
  assert.not.equal(take("fluxgate", 50), take("other", 50))
  const hb = (seed: string) => {
    const next = heartbeatSource(makePrng(seed))
    return Array.from({ length: 20 }, () => next())
  }
  assert.equal(hb("s"), hb("s"))
})

test("sessions go login → browse/search → cart → checkout or abandon → logout, with plausible error rates and latencies", () => {
  const events = take("realism", 20_000)
  const bySession = new Map<string, Array<string>>()
  for (const e of events) {
    const list = bySession.get(e.fields.session_id) ?? []
    list.push(e.fields.event)
    bySession.set(e.fields.session_id, list)
  }
  for (const steps of bySession.values()) assert.is(steps[0], "login")
  const count = (name: string) => events.filter((e) => e.fields.event === name).length
  for (const step of ["login", "browse", "search", "add_to_cart", "checkout", "abandon", "logout"]) assert.ok(count(step) > 0, step)
  assert.ok(count("browse") > count("checkout"), "more browsing than buying")
  const errors = events.filter((e) => e.level === "ERROR").length / events.length
  assert.ok(errors > 0.005 && errors < 0.08, `error rate ${errors}`)
  const latencies = events.map((e) => Number(e.fields.latency_ms)).sort((a, b) => a - b)
  assert.ok(latencies[0] > 0)
  const median = latencies[Math.floor(latencies.length / 2)]
  assert.ok(median > 30 && median < 400, `median ${median}`)
  assert.ok(events.some((e) => e.level === "WARNING" && Number(e.fields.latency_ms) > 1000), "slow requests are warnings")
  const thinks = events.map((e) => e.thinkMs)
  assert.ok(Math.min(...thinks) >= 200 && thinks.some((t) => t > 5000), "think times vary")
  for (const e of events.slice(0, 100)) {
    assert.match(e.fields.user_id, /^u\d{4}$/)
    assert.match(e.fields.request_id, /^[0-9a-f]{16}$/)
  }
})

test.run()
