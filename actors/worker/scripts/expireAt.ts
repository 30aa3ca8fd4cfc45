/**
 * @module worker/scripts/expireAt — how scripts set a task record's TTL, and
 * when a success renews it.
 *
 * Redis 7.0 turns every PEXPIRE into a PEXPIREAT before propagating it, which
 * allocates a new argument per call; a PEXPIREAT is propagated as it is. Inside
 * createMany that rewrite was a quarter of Redis's time per record (measured:
 * HSET + PEXPIRE 4.97 µs, HSET + PEXPIREAT 3.81 µs, medians of 7). The deadline
 * is taken from Redis's own clock (TIME, once per call), as PEXPIRE's would be,
 * so a skewed application clock cannot shorten or stretch a TTL.
 *
 * Every script that sets a record's TTL also writes the deadline into the
 * record as `expires_at` (ms on Redis's clock; the status view shows it).
 *
 * A success renews the TTL only when the task was queued more than
 * TTL / RENEW_SLACK ago (`renewsOnSuccess`, decided by the worker from the
 * envelope's `created_at`): a task that finishes within ≈ 1.7 hours of being
 * queued (7-day TTL) keeps the expiry its record got then, which is still
 * ≥ 99% of the TTL away. The renewal skipped is one PEXPIREAT per task in
 * `finishMany`, ≈ 1 µs of Redis's ≈ 8.6 per task there (per-call time of
 * 100-task calls, three runs of 200 alternating pairs). Deciding it in Redis instead,
 * from `expires_at`, cost as much as it saved: reading one more field per task
 * was ≈ 0.7 µs. `created_at` is the enqueuing host's clock and `now` the
 * worker's: with the two within 1% of the TTL of each other, a record lives
 * between 98% and 100% of the TTL after its last change; a `created_at` ahead
 * of the worker's clock always renews.
 */

/** A success renews a record's TTL only if its task was queued more than TTL / RENEW_SLACK ago. */
export const RENEW_SLACK = 100

/** Lua (after `local rcall = redis.call`): `expireAt(ttlMs)` → the PEXPIREAT argument `ttlMs` from now on Redis's clock (a whole number, as a string). */
export const EXPIRE_AT_LUA = `
local function expireAt(ttlMs)
  local t = rcall("TIME")
  return string.format("%.0f", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ttlMs))
end`

/** Whether a success at `now` renews the TTL of a task queued at `createdAt` (both ms, application clocks). */
export const renewsOnSuccess = (now: number, createdAt: number, ttlMs: number): boolean => {
  const queuedFor = now - createdAt
  return !(queuedFor >= 0 && queuedFor < ttlMs / RENEW_SLACK)
}
