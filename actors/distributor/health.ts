/**
 * @module distributor/health — is this replica's consumer alive AND consuming?
 * A loop can be running (no restarts, no errors) and still not consume: a sink
 * that hangs, a read that never returns. Two signs, both from the group itself:
 * entries wait (lag > 0) while this consumer has not read for ACTOR_STUCK_MS,
 * or the oldest pending entry has sat unacknowledged for several
 * PENDING_IDLE_MS (so the reclaim sweep is not getting to it either).
 */
import type { GroupInfo } from "../../src/broker/Broker.ts"

/** Oldest pending older than this many PENDING_IDLE_MS means reclaim is not keeping up. */
export const PENDING_STUCK_FACTOR = 4

/** The verdict for /healthz: ok, and the numbers that explain it. */
export const judgeConsumer = (
  info: GroupInfo,
  sinceReadMs: number,
  limits: { readonly actorStuckMs: number; readonly pendingIdleMs: number }
): { ok: boolean; detail: Record<string, unknown> } => {
  const notConsuming = info.lag > 0 && sinceReadMs > limits.actorStuckMs
  const pendingStuck = info.oldestPendingIdleMs !== null && info.oldestPendingIdleMs > PENDING_STUCK_FACTOR * limits.pendingIdleMs
  const problems = [
    ...(notConsuming ? [`lag ${info.lag} and no group read for ${sinceReadMs} ms (> ACTOR_STUCK_MS ${limits.actorStuckMs})`] : []),
    ...(pendingStuck ? [`oldest pending entry idle ${info.oldestPendingIdleMs} ms (> ${PENDING_STUCK_FACTOR} × PENDING_IDLE_MS)`] : [])
  ]
  return {
    ok: problems.length === 0,
    detail: {
      lag: info.lag,
      pending: info.pending,
      oldest_pending_ms: info.oldestPendingIdleMs,
      last_read_ms_ago: sinceReadMs,
      ...(problems.length > 0 ? { problem: problems.join("; ") } : {})
    }
  }
}
