/**
 * @module telemetry/http — the HTTP tracing middleware: every request runs in
 * a server span `http <METHOD> <route>` that continues the client's
 * `traceparent` (W3C Trace Context) if it sent one, handlers see the span as
 * `c.get("traceparent")` (the route runner parents their Effects on it), and
 * the response carries the span's `traceparent` back.
 */
import { Context, Exit, Option, Tracer } from "effect"
import type { MiddlewareHandler } from "hono"
import { matchedRoutes } from "hono/route"
import type { AppEnv } from "../http/routes.ts"
import { recordHttp, recordIngestRejected } from "./metrics.ts"
import { formatTraceparent, parseTraceparent } from "./traceparent.ts"
import type { TracingService } from "./Tracing.ts"
import { nowNanos } from "./tracer.ts"

/** The route pattern Hono matched (routing happens before any middleware runs), never the raw path. */
const routeOf = (matched: ReadonlyArray<{ readonly method: string; readonly path: string }>): string => {
  for (let i = matched.length - 1; i >= 0; i--) {
    if (matched[i].method !== "ALL") return matched[i].path
  }
  // Only middleware (path "*" or "/*") and app.all routes matched: name the most specific all-route.
  for (let i = matched.length - 1; i >= 0; i--) {
    if (matched[i].path !== "*" && matched[i].path !== "/*") return matched[i].path
  }
  return "unmatched"
}

/**
 * Not traced here: reads of the telemetry itself (a dashboard polling them would
 * fill the buffer with itself), and `/api/*`, which is either re-dispatched to
 * the same app (traced there, so the response's traceparent names the trace
 * holding the handler's spans) or proxied to API_URL (traced by the API, whose
 * traceparent header comes back through the proxy).
 */
const untraced = (route: string) => route === "/metrics" || route.startsWith("/debug/traces") || route === "/api/*"

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** Routes whose refusals count as `fluxgate_ingest_rejected_total` (here, so 401/413 from app-wide middleware count too). */
const INGEST_ROUTES = new Set(["/ingest"])

const snake = (code: string) => code.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()

/** The reason label of a refused ingest: the error body's code (`MailboxFull` → `mailbox_full`), else the status. */
const rejectionReason = async (res: Response): Promise<string> => {
  try {
    const body: unknown = await res.clone().json()
    const code = typeof body === "object" && body !== null && "error" in body && typeof body.error === "object" && body.error !== null && "code" in body.error
      ? body.error.code
      : undefined
    if (typeof code === "string" && /^[A-Za-z]{1,40}$/.test(code)) return snake(code)
  } catch {
    // not JSON: fall through
  }
  return `http_${res.status}`
}

class HttpStatusError extends Error {
  override readonly name = "HttpStatusError"
}

/** The middleware, bound to the process's tracing service. */
export const traceMiddleware = (tracing: TracingService): MiddlewareHandler<AppEnv> => async (c, next) => {
  // Label values must stay a small set, so a method a client invents is "OTHER".
  const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "OTHER"
  const route = routeOf(matchedRoutes(c))
  if (untraced(route)) return next()
  const incoming = parseTraceparent(c.req.header("traceparent"))
  // A client-sent sampled trace still spends this process's index budget, so clients cannot flood Redis.
  const parent: Option.Option<Tracer.AnySpan> = incoming === undefined
    ? Option.none()
    : Option.some(Tracer.externalSpan({ ...incoming, sampled: incoming.sampled && tracing.admit() }))
  const start = nowNanos()
  const span = tracing.tracer.span(`http ${method} ${route}`, parent, Context.empty(), [], start, "server")
  span.attribute("http.request.method", method)
  span.attribute("http.route", route)
  span.attribute("instance.id", tracing.instanceId)
  const requestId = c.get("requestId")
  if (requestId) span.attribute("http.request_id", requestId)
  const traceparent = formatTraceparent(span)
  c.set("traceparent", traceparent)
  let failure: unknown = undefined
  try {
    await next()
  } catch (e) {
    failure = e
    throw e
  } finally {
    const status = failure === undefined ? c.res.status : 500
    span.attribute("http.response.status_code", status)
    const end = nowNanos()
    span.end(end, status >= 500 ? Exit.fail(failure ?? new HttpStatusError(`HTTP ${status}`)) : Exit.void)
    recordHttp(method, route, status, Number(end - start) / 1e9)
    if (failure === undefined && status >= 400 && INGEST_ROUTES.has(route)) {
      recordIngestRejected(await rejectionReason(c.res))
    }
    if (failure === undefined) {
      try {
        c.res.headers.set("traceparent", traceparent)
      } catch {
        // immutable headers (a fetched Response): copy it once
        c.res = new Response(c.res.body, c.res)
        c.res.headers.set("traceparent", traceparent)
      }
    }
  }
}
