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
  app.use(cors({
    origin: config.corsAllowOrigins.includes("*") ? "*" : [...config.corsAllowOrigins],
    allowHeaders: ["Content-Type", "Authorization", "Last-Event-ID", "traceparent", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "traceparent", "Retry-After"]
  }))
  const limit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => errorJson(413, "PayloadTooLarge", `request body is larger than ${config.maxBodyBytes} bytes`, { limit: config.maxBodyBytes })
  })
  app.use(async (c, next) => (WRITE_METHODS.has(c.req.method) ? limit(c, next) : next()))
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
