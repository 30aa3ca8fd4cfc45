/**
 * @module http/app — the one Hono app, built once as a `fetch` handler and
 * served unchanged by `runtime/node.ts` and `runtime/deno.ts`.
 */
import { Redacted } from "effect"
import { Hono, type MiddlewareHandler } from "hono"
import { bearerAuth } from "hono/bearer-auth"
import { bodyLimit } from "hono/body-limit"
import { cors } from "hono/cors"
import { requestId } from "hono/request-id"
import type { AppConfigShape } from "../config.ts"
import { errorJson, toErrorResponse } from "./errors.ts"
import type { AppEnv } from "./routes.ts"

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"])

/**
 * Build the app: middleware, then every registered route group in order.
 * `tracing` (the request-span middleware) runs right after the request id, so
 * every response — including 401/413 — carries a `traceparent`.
 */
export const makeApp = (
  config: AppConfigShape,
  groups: ReadonlyArray<{ readonly routes: Hono<AppEnv> }>,
  tracing?: MiddlewareHandler<AppEnv>
): Hono<AppEnv> => {
  const app = new Hono<AppEnv>()
  app.use(requestId({ headerName: "X-Request-Id" }))
  if (tracing !== undefined) app.use(tracing)
  const anyOrigin = config.corsAllowOrigins.includes("*")
  const exposeHeaders = ["X-Request-Id", "traceparent", "Retry-After"]
  const preflight = cors({
    origin: anyOrigin ? "*" : [...config.corsAllowOrigins],
    allowHeaders: ["Content-Type", "Authorization", "Last-Event-ID", "traceparent", "X-Request-Id"],
    exposeHeaders
  })
  const exposed = exposeHeaders.join(",")
  // Preflights go through hono's cors. Other requests get the same headers hono's cors would set,
  // but after the handler: hono's cors touches `c.res` before `next()`, which makes Hono re-create
  // every handler's Response (and @hono/node-server materialize an undici Response and body stream).
  app.use(async (c, next) => {
    if (c.req.method === "OPTIONS") return preflight(c, next)
    const origin = c.req.header("origin") ?? ""
    const allowOrigin = anyOrigin ? "*" : config.corsAllowOrigins.includes(origin) ? origin : null
    await next()
    const set = (headers: Headers) => {
      if (allowOrigin !== null) headers.set("Access-Control-Allow-Origin", allowOrigin)
      headers.set("Access-Control-Expose-Headers", exposed)
      if (!anyOrigin) headers.append("Vary", "Origin")
    }
    try {
      set(c.res.headers)
    } catch {
      // immutable headers (a fetched Response): copy it once
      c.res = new Response(c.res.body, c.res)
      set(c.res.headers)
    }
  })
  const tooLarge = () => errorJson(413, "PayloadTooLarge", `request body is larger than ${config.maxBodyBytes} bytes`, { limit: config.maxBodyBytes })
  const limit = bodyLimit({ maxSize: config.maxBodyBytes, onError: tooLarge })
  app.use(async (c, next) => {
    if (!WRITE_METHODS.has(c.req.method)) return next()
    // A declared length is checked from the header alone (what bodyLimit does too), without touching
    // `c.req.raw.body`: that would force @hono/node-server to build a full undici Request and stream
    // for every write. Only a body without Content-Length (chunked) goes through the counting limit.
    const length = c.req.header("content-length")
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > config.maxBodyBytes ? tooLarge() : next()
    }
    return limit(c, next)
  })
  if (config.authToken !== undefined) {
    const auth = bearerAuth<AppEnv>({
      token: Redacted.value(config.authToken),
      noAuthenticationHeader: { message: { error: { code: "Unauthorized", message: "missing Authorization: Bearer token" } } },
      invalidAuthenticationHeader: { message: { error: { code: "Unauthorized", message: "malformed Authorization header" } } },
      invalidToken: { message: { error: { code: "Unauthorized", message: "invalid bearer token" } } }
    })
    app.use(async (c, next) => (WRITE_METHODS.has(c.req.method) ? auth(c, next) : next()))
  }
  // Seed 000's client paths (/api/logs, /api/io/*) and the dashboard's /api/* calls: when this
  // process is not a proxying `ui` (API_URL unset), they are the same routes without the prefix.
  if (config.apiUrl === undefined) {
    app.all("/api/*", (c) => {
      const url = new URL(c.req.url)
      url.pathname = url.pathname.slice("/api".length)
      return app.fetch(new Request(url, c.req.raw), c.env)
    })
  }
  for (const group of groups) app.route("/", group.routes)
  app.notFound((c) => errorJson(404, "NotFound", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`))
  app.onError((error, c) => {
    // Hono's own HTTPExceptions (e.g. from middleware) carry their response.
    if (typeof error === "object" && error !== null && "getResponse" in error && typeof error.getResponse === "function") {
      return error.getResponse() as Response
    }
    return toErrorResponse(error, c.get("requestId"))
  })
  return app
}
