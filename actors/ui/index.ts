/**
 * @module ui — the dashboard actor (role `ui`): serves the page at `/` (seed
 * 002's welcome JSON to `Accept: application/json`), its static files under
 * `/ui/*`, Alpine.js and Pico.css under `/vendor/*`, and — when `API_URL` is set,
 * as seed 000's separate client container — proxies `/api/*` to the API. With
 * no `API_URL` the kernel serves `/api/*` as aliases of the local routes.
 */
import { Deferred, Effect, Layer } from "effect"
import { Hono } from "hono"
import { AppConfig } from "../../src/config.ts"
import { NotFound } from "../../src/errors.ts"
import { Lifecycle } from "../../src/lifecycle.ts"
import { registerRoutes, type AppEnv } from "../../src/http/routes.ts"
import { contentType, readPublic, readVendor } from "./assets.ts"
import { proxyRequest } from "./proxy.ts"
import { welcome, wantsJson } from "./welcome.ts"

// Alpine's standard build evaluates expressions with `new Function` ('unsafe-eval'); Pico's
// icons are data: URLs; x-bind:style writes style attributes. Everything else is same-origin.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'"
].join("; ")

const fileResponse = (name: string, bytes: Uint8Array, cacheControl: string): Response =>
  // A copy typed as Uint8Array<ArrayBuffer>, which BodyInit accepts (Node Buffers may be pooled views).
  new Response(new Uint8Array(bytes), {
    headers: {
      "content-type": contentType(name),
      "cache-control": cacheControl,
      "x-content-type-options": "nosniff",
      ...(name.endsWith(".html") ? { "content-security-policy": CSP, "referrer-policy": "no-referrer" } : {})
    }
  })

const serve = (name: string, read: (name: string) => Promise<Uint8Array | undefined>, cacheControl: string) =>
  Effect.promise(() => read(name)).pipe(
    Effect.flatMap((bytes) =>
      bytes === undefined
        ? Effect.fail(new NotFound({ message: `no dashboard file ${name}` }))
        : Effect.succeed(fileResponse(name, bytes, cacheControl))
    )
  )

// The dashboard's own files change with the code: revalidate. Vendor files are pinned by package-lock.
const OWN = "no-cache"
const VENDORED = "public, max-age=86400"

/** The `ui` role's Layer. */
export const UiLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const lifecycle = yield* Lifecycle
    // One signal aborts every proxied request (SSE included) when shutdown begins or the Layer closes.
    const stop = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => stop.abort()))
    yield* Deferred.await(lifecycle.shutdown).pipe(
      Effect.zipRight(Effect.sync(() => stop.abort())),
      Effect.forkScoped
    )
    const apiUrl = config.apiUrl
    yield* registerRoutes<never>("ui", (run) => {
      const routes = new Hono<AppEnv>()
        .get("/", (c) =>
          run(c, wantsJson(c.req.header("accept"))
            ? Effect.succeed(c.json(welcome(config.instanceId, config.roles)))
            : serve("index.html", readPublic, OWN)))
        .get("/index.html", (c) => run(c, serve("index.html", readPublic, OWN)))
        .get("/ui/:name", (c) => run(c, serve(c.req.param("name"), readPublic, OWN)))
        .get("/vendor/:name", (c) => run(c, serve(c.req.param("name"), readVendor, VENDORED)))
      if (apiUrl !== undefined) routes.all("/api/*", (c) => proxyRequest(apiUrl, c.req.raw, stop.signal))
      return routes
    })
  })
)
