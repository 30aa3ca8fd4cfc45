/**
 * @module test/distributor/health.consumer — "alive but not consuming" shows as
 * degraded: the verdict rules, and a real process whose sink hangs.
 */
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { judgeConsumer } from "../../actors/distributor/health.ts"
import { startServer } from "../helpers/server.ts"

const test = suite("distributor consumer health")
const limits = { actorStuckMs: 1000, pendingIdleMs: 100 }
const info = (lag: number, oldestPendingIdleMs: number | null) => ({ pending: 1, lag, lastDeliveredId: "1-0", oldestPendingIdleMs, consumers: [] })

test("a consumer is healthy while it reads, even with entries waiting", () => {
  assert.ok(judgeConsumer(info(50, 10), 200, limits).ok)
  assert.ok(judgeConsumer(info(0, null), 60_000, limits).ok, "idle with nothing to read is fine")
})

test("entries waiting while the consumer has not read for ACTOR_STUCK_MS is degraded", () => {
  const verdict = judgeConsumer(info(5, null), 1500, limits)
  assert.not.ok(verdict.ok)
  assert.match(String(verdict.detail.problem), /lag 5/)
})

test("a pending entry older than several PENDING_IDLE_MS is degraded", () => {
  const verdict = judgeConsumer(info(0, 450), 10, limits)
  assert.not.ok(verdict.ok)
  assert.match(String(verdict.detail.problem), /oldest pending/)
})

test("a process whose sink hangs turns /healthz degraded though every fiber is running", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-fifo-"))
  const fifo = join(dir, "archive.fifo")
  // Opening a FIFO for writing blocks until someone reads it: a sink that hangs forever.
  execFileSync("mkfifo", [fifo])
  const server = await startServer({ ROLES: "collector,distributor", ARCHIVE_FILE: fifo, ACTOR_STUCK_MS: "600", PENDING_IDLE_MS: "100000", BLOCK_MS: "100" })
  try {
    const healthz = async () => {
      const res = await fetch(`${server.url}/healthz`)
      return { status: res.status, body: (await res.json()) as { checks: { actors: Record<string, { consumer?: { problem?: string } }> } } }
    }
    assert.is((await healthz()).status, 200)
    const post = (n: number) => fetch(`${server.url}/ingest`, { method: "POST", body: JSON.stringify(Array.from({ length: n }, () => ({ source: "h", level: "INFO", message: "x" }))) })
    assert.is((await post(5)).status, 202)
    await new Promise((r) => setTimeout(r, 300))
    assert.is((await post(5)).status, 202, "ingest still works: only the sink is stuck")
    let last = await healthz()
    const deadline = Date.now() + 8000
    while (last.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      last = await healthz()
    }
    assert.is(last.status, 503)
    assert.match(String(last.body.checks.actors.distributor?.consumer?.problem), /lag 5/)
  } finally {
    await server.stop("SIGKILL").catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
