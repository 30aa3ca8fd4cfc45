/**
 * @module worker/scripts/expireAt — how scripts set a task record's TTL.
 *
 * Redis 7.0 turns every PEXPIRE into a PEXPIREAT before propagating it, which
 * allocates a new argument per call; a PEXPIREAT is propagated as it is. Inside
 * createMany that rewrite was a quarter of Redis's time per record (measured:
 * HSET + PEXPIRE 4.97 µs, HSET + PEXPIREAT 3.81 µs, medians of 7). The deadline
 * is taken from Redis's own clock (TIME, once per call), as PEXPIRE's would be,
 * so a skewed application clock cannot shorten or stretch a TTL.
 *
 * Every script that sets a record's TTL also writes the deadline into the
 * record as `expires_at` (ms on Redis's clock; the status view shows it). A
 * success then renews the TTL only when that deadline is more than
 * 1/RENEW_SLACK of the TTL older than a fresh one (`renews`): a task that
 * finishes within ≈ 1.7 hours of being queued (7-day TTL) keeps its
 * creation-time expiry. Skipping that PEXPIREAT cut finishMany's loop from 6.4
 * to 5.0 µs per task (medians of 12, loops of 20,000), the largest share of
 * Redis's time per processed task. A record thus expires between
 * (1 − 1/RENEW_SLACK)·TTL and TTL after its last change, never earlier. A
 * record without the field (written before it existed) is always renewed.
 */

/** A success renews a record's TTL only if its deadline lags a fresh one by more than TTL / RENEW_SLACK. */
export const RENEW_SLACK = 100

/** Lua (after `local rcall = redis.call`): `expireAt(ttlMs)` → the PEXPIREAT argument `ttlMs` from now on Redis's clock (a whole number, as a string). */
export const EXPIRE_AT_LUA = `
local function expireAt(ttlMs)
  local t = rcall("TIME")
  return string.format("%.0f", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ttlMs))
end`

/** Lua (after EXPIRE_AT_LUA): `renews(expiresAt, deadline, ttlMs)` → whether a record whose `expires_at` field reads `expiresAt` (nil when absent) needs its TTL set to `deadline`. */
export const RENEWS_LUA = `
local function renews(expiresAt, deadline, ttlMs)
  return (tonumber(expiresAt or "") or 0) < tonumber(deadline) - math.floor(tonumber(ttlMs) / ${RENEW_SLACK})
end`

/** The embedded twin of `renews`. */
export const renews = (expiresAt: string | null | undefined, deadline: number, ttlMs: number): boolean =>
  (Number(expiresAt ?? "") || 0) < deadline - Math.floor(ttlMs / RENEW_SLACK)
