/**
 * @module http/routes — how actors contribute HTTP routes. An actor's Layer
 * registers a Hono sub-app built with its own runtime, so `ROLES` decides both
 * which actors run and which routes exist; `app.ts` mounts what was registered.
 */
import { Context, Effect, Exit, Cause, Layer, Runtime, ParseResult, Schema } from "effect"
import type { Context as HonoContext, Hono } from "hono"
import { InvalidPayload } from "../errors.ts"
import { withTraceparent } from "../telemetry/traceparent.ts"
import { toErrorResponse } from "./errors.ts"

/** Hono env shared by all routes. */
export type AppEnv = { Variables: { requestId: string; traceparent?: string } }

export interface HttpRoutesService {
  readonly add: (name: string, routes: Hono<AppEnv>) => Effect.Effect<void>
  readonly all: () => ReadonlyArray<{ readonly name: string; readonly routes: Hono<AppEnv> }>
}

export class HttpRoutes extends Context.Tag("fluxgate/HttpRoutes")<HttpRoutes, HttpRoutesService>() {}

export const layerRoutes: Layer.Layer<HttpRoutes> = Layer.sync(HttpRoutes, () => {
  const mounted: Array<{ name: string; routes: Hono<AppEnv> }> = []
  return {
    add: (name, routes) => Effect.sync(() => void mounted.push({ name, routes })),
    all: () => mounted
  }
})

/**
 * Build routes with the caller's runtime and register them. Use inside an
 * actor's Layer: `yield* registerRoutes("collector", (run) => new Hono()…)`.
 */
export const registerRoutes = <R>(name: string, build: (run: Runner<R>) => Hono<AppEnv>) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<R>()
    const routes = yield* HttpRoutes
    yield* routes.add(name, build(makeRunner(runtime)))
  })

/** Runs an Effect for a request: success is the Response, any failure goes through the one error table. */
export type Runner<R> = <E>(c: HonoContext<AppEnv>, effect: Effect.Effect<Response, E, R>) => Promise<Response>

export const makeRunner = <R>(runtime: Runtime.Runtime<R>): Runner<R> => {
  const runExit = Runtime.runPromiseExit(runtime)
  return async (c, effect) => {
    // The request's server span (set by the tracing middleware) parents the handler's spans.
    const exit = await runExit(withTraceparent(c.get("traceparent"))(effect))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") return toErrorResponse(failure.value, c.get("requestId"))
    if (Cause.isInterruptedOnly(exit.cause)) return toErrorResponse({ _tag: "StreamUnavailable", message: "shutting down" })
    await Runtime.runPromise(runtime)(Effect.logError("http:defect", Cause.pretty(exit.cause)))
    return toErrorResponse(Cause.squash(exit.cause), c.get("requestId"))
  }
}

/** Decode `input` with `schema`, turning a parse error into InvalidPayload whose issues name each field path. */
export const decodeInput = <A, I>(schema: Schema.Schema<A, I>, input: unknown, what = "body", pathPrefix: ReadonlyArray<PropertyKey> = []) =>
  Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })(input).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
        path: [...pathPrefix, ...i.path].map(String).join(".") || "(root)",
        message: i.message
      }))
      const first = issues[0]
      return new InvalidPayload({
        message: first ? `invalid ${what}: ${first.path}: ${first.message}` : `invalid ${what}`,
        issues
      })
    })
  )

/** Parse a JSON text, naming the problem on failure. */
export const parseJson = (text: string, what = "body") =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (e) =>
      new InvalidPayload({
        message: `${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
        issues: [{ path: "(root)", message: "malformed JSON" }]
      })
  })

/** Read the request body as UTF-8 text, rejecting invalid UTF-8 with a 400 instead of replacing bytes. */
export const readText = (c: HonoContext<AppEnv>) =>
  Effect.tryPromise({
    try: () => c.req.arrayBuffer(),
    catch: () => new InvalidPayload({ message: "could not read the request body", issues: [] })
  }).pipe(
    Effect.flatMap((buffer) =>
      Effect.try({
        try: () => new TextDecoder("utf-8", { fatal: true }).decode(buffer),
        catch: () => new InvalidPayload({ message: "body is not valid UTF-8", issues: [{ path: "(root)", message: "invalid UTF-8" }] })
      })
    )
  )

/** `c.json` as an Effect value. */
export const json = (c: HonoContext<AppEnv>, body: unknown, status: 200 | 201 | 202 | 404 | 409 | 503 = 200) =>
  Effect.sync(() => c.json(body as object, status))
