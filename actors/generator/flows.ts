/**
 * @module generator/flows — what the generator says. `heartbeat` (seed 002
 * Day 1): one service heartbeat per tick. `sessions` (Day 2): simulated
 * shoppers, a few at once, each going login → browse → search → add to cart →
 * checkout or abandon → logout, with think times, plausible error rates and
 * long-tailed latencies. Everything comes from the seeded PRNG, so a seed
 * fixes the whole sequence (timestamps are added later, by the emitter).
 */
import type { Prng } from "./prng.ts"

export const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const
export type PyLevel = (typeof LEVELS)[number]
export const levelNo = (level: PyLevel): number => (LEVELS.indexOf(level) + 1) * 10

/** One generated event, before formatting. `session_token` is in clear here and masked by every output. */
export interface FlowEvent {
  readonly level: PyLevel
  readonly logger: string
  readonly message: string
  /** Simulated pause before this event (a user's think time), ms. */
  readonly thinkMs: number
  readonly fields: {
    readonly user_id: string
    readonly session_id: string
    readonly request_id: string
    readonly session_token: string
    readonly event: string
    readonly path?: string
    readonly status?: number
    readonly latency_ms?: number
    readonly [extra: string]: string | number | undefined
  }
}

export type EventSource = () => FlowEvent

/** Seed 002 Day 1: a heartbeat of the generator's own service session. */
export const heartbeatSource = (prng: Prng): EventSource => {
  const session = { user_id: "svc-generator", session_id: `s-${prng.hex(12)}`, session_token: prng.hex(32) }
  let beat = 0
  return () => {
    beat++
    return {
      level: "INFO", logger: "heartbeat", message: `service heartbeat #${beat}`, thinkMs: 0,
      fields: { ...session, request_id: prng.hex(16), event: "heartbeat", beat }
    }
  }
}

type Step = "login" | "browse" | "search" | "add_to_cart" | "checkout" | "abandon" | "logout"

interface Session {
  readonly user_id: string
  readonly session_id: string
  readonly session_token: string
  next: Step
  browsed: number
  searched: number
  cart: number
  loginFailures: number
}

const PRODUCTS = ["espresso-machine", "trail-shoes", "desk-lamp", "headphones", "backpack", "tea-sampler", "yoga-mat", "kettle"]
const QUERIES = ["running shoes", "usb-c cable", "coffee grinder", "standing desk", "rain jacket", "gift card"]

/** Per step: endpoint, median latency (ms), error rate. */
const STEPS: Record<Step, { readonly path: string; readonly method: string; readonly latency: number; readonly errorRate: number }> = {
  login: { path: "/auth/login", method: "POST", latency: 120, errorRate: 0.06 },
  browse: { path: "/products", method: "GET", latency: 60, errorRate: 0.01 },
  search: { path: "/search", method: "GET", latency: 180, errorRate: 0.02 },
  add_to_cart: { path: "/cart/items", method: "POST", latency: 90, errorRate: 0.015 },
  checkout: { path: "/checkout", method: "POST", latency: 450, errorRate: 0.04 },
  abandon: { path: "/cart", method: "GET", latency: 40, errorRate: 0 },
  logout: { path: "/auth/logout", method: "POST", latency: 30, errorRate: 0.005 }
}

const SLOW_MS = 1000

const newSession = (prng: Prng): Session => ({
  user_id: `u${prng.int(1000, 9999)}`,
  session_id: `s-${prng.hex(12)}`,
  session_token: prng.hex(32),
  next: "login",
  browsed: 0,
  searched: 0,
  cart: 0,
  loginFailures: 0
})

/** Which step follows `step` (after success). */
const after = (prng: Prng, s: Session, step: Step): Step | null => {
  switch (step) {
    case "login":
      return "browse"
    case "browse":
      return s.browsed < 2 || prng.chance(0.45) ? prng.pick<Step>(["browse", "browse", "search"]) : s.cart > 0 || prng.chance(0.6) ? "add_to_cart" : "logout"
    case "search":
      return prng.chance(0.6) ? "browse" : prng.chance(0.5) ? "add_to_cart" : "search"
    case "add_to_cart":
      return prng.chance(0.35) ? "browse" : prng.chance(0.62) ? "checkout" : "abandon"
    case "checkout":
    case "abandon":
      return prng.chance(0.8) ? "logout" : null
    case "logout":
      return null
  }
}

/**
 * Seed 002 Day 2: `concurrent` shoppers interleaved. Each call advances one
 * of them by one step; a finished session is replaced by a new one.
 */
export const sessionSource = (prng: Prng, concurrent = 3): EventSource => {
  const sessions: Array<Session | null> = Array.from({ length: concurrent }, () => null)
  return () => {
    const slot = prng.int(0, concurrent - 1)
    const s = sessions[slot] ?? (sessions[slot] = newSession(prng))
    const step = s.next
    const spec = STEPS[step]
    const latency = Math.round(prng.around(spec.latency, 0.6))
    const failed = prng.chance(spec.errorRate)
    const thinkMs = step === "login" ? prng.int(200, 1500) : Math.max(300, Math.round(prng.around(2500, 0.7)))
    let level: PyLevel = "INFO"
    let status = step === "login" || step === "add_to_cart" ? 201 : 200
    let message: string
    const extra: Record<string, string | number> = {}
    if (step === "browse") extra.product = prng.pick(PRODUCTS)
    if (step === "search") extra.query = prng.pick(QUERIES)
    if (step === "add_to_cart") extra.product = prng.pick(PRODUCTS)
    if (failed) {
      level = "ERROR"
      status = step === "login" ? 401 : step === "checkout" ? 502 : 500
      message = step === "login" ? `login failed for ${s.user_id}: invalid credentials`
        : step === "checkout" ? `checkout failed for ${s.user_id}: payment gateway timeout`
        : `${spec.method} ${spec.path} failed with ${status}`
    } else {
      message = step === "login" ? `user ${s.user_id} logged in`
        : step === "browse" ? `viewed product ${extra.product}`
        : step === "search" ? `searched for "${extra.query}"`
        : step === "add_to_cart" ? `added ${extra.product} to cart`
        : step === "checkout" ? `order placed by ${s.user_id} (${s.cart} item${s.cart === 1 ? "" : "s"})`
        : step === "abandon" ? `cart abandoned by ${s.user_id} with ${s.cart} item${s.cart === 1 ? "" : "s"}`
        : `user ${s.user_id} logged out`
      if (latency > SLOW_MS) level = "WARNING"
    }
    const event: FlowEvent = {
      level, logger: `shop.${step === "login" || step === "logout" ? "auth" : step === "checkout" || step === "abandon" ? "orders" : "catalog"}`,
      message, thinkMs,
      fields: {
        user_id: s.user_id, session_id: s.session_id, request_id: prng.hex(16), session_token: s.session_token,
        event: step, path: spec.path, method: spec.method, status, latency_ms: latency, ...extra
      }
    }
    // Advance the session.
    if (failed) {
      if (step === "login" && ++s.loginFailures >= 3) sessions[slot] = null
      else if (step !== "login") s.next = prng.chance(0.5) ? step : "logout"
    } else {
      if (step === "browse") s.browsed++
      if (step === "search") s.searched++
      if (step === "add_to_cart") s.cart++
      const next = after(prng, s, step)
      if (next === null) sessions[slot] = null
      else s.next = next
    }
    return event
  }
}

/** The source for a profile. */
export const sourceFor = (profile: "heartbeat" | "sessions", prng: Prng): EventSource =>
  profile === "sessions" ? sessionSource(prng) : heartbeatSource(prng)
