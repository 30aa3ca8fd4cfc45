/**
 * @module collector/routes — `POST /ingest`: one JSON event, a JSON array of
 * events, or NDJSON. 202 only once the events are in the stream; every bad body
 * gets a specific 4xx (400/413/415), a full mailbox or a broker outage a 503
 * with Retry-After. Never a 500.
 *
 * The handler is a plain async function, not an Effect: it is the hottest path
 * in the system, and a fiber, a runtime hop and a Deferred per request cost
 * more CPU than parsing the event. Failures are the same tagged errors, mapped
 * by the same `toErrorResponse` table the Effect routes use.
 */
import { Context, Effect, Exit, Option, type Tracer } from "effect"
import { Hono } from "hono"
import type { AppConfigShape } from "../../src/config.ts"
import { InvalidPayload, PayloadTooLarge, StreamUnavailable } from "../../src/errors.ts"
import type { Fields } from "../../src/broker/Broker.ts"
import { errorJson, toErrorResponse } from "../../src/http/errors.ts"
import type { AppEnv, Runner } from "../../src/http/routes.ts"
import type { LifecycleService } from "../../src/lifecycle.ts"
import { nowNanos } from "../../src/telemetry/tracer.ts"
import { externalParent } from "../../src/telemetry/traceparent.ts"
import { toFields } from "./event.ts"
import type { GroupCommit } from "./groupCommit.ts"
import { bodyKind, parseEvents } from "./parse.ts"

/** W3C trace context header (version-traceid-parentid-flags); anything else is not stored. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/

/** Tagged errors (InvalidPayload, MailboxFull, …) carry `_tag`; anything else is a defect. */
const isTagged = (error: unknown): boolean => typeof error === "object" && error !== null && "_tag" in error

/** Strict UTF-8 (a bad byte is a 400, never a replacement character); reusable across calls. */
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The collector's routes, writing through `commit`; `tracer` records the `collector.commit` span. */
export const collectorRoutes = (
  run: Runner<never>, commit: GroupCommit, config: AppConfigShape, lifecycle: LifecycleService, tracer: Tracer.Tracer
) => {
  /** Submit under a `collector.commit` span in the request's trace (the batch span links back to it). */
  const commitTraced = async (traceparent: string | undefined, entries: ReadonlyArray<Fields>): Promise<ReadonlyArray<string>> => {
    const parent = externalParent(traceparent)
    const span = tracer.span("collector.commit", parent === undefined ? Option.none() : Option.some(parent), Context.empty(), [], nowNanos(), "internal")
    span.attribute("events", entries.length)
    try {
      const ids = await commit.submitPromise(entries)
      span.end(nowNanos(), Exit.void)
      return ids
    } catch (error) {
      span.end(nowNanos(), Exit.fail(error))
      throw error
    }
  }

  return new Hono<AppEnv>().post("/ingest", async (c) => {
    const kind = bodyKind(c.req.header("content-type"))
    if (kind === null) {
      return errorJson(415, "UnsupportedMediaType", "send application/json (an event or an array of events) or application/x-ndjson (one event per line)", {
        content_type: c.req.header("content-type")
      })
    }
    const fail = (error: unknown): Response | Promise<Response> =>
      isTagged(error) ? toErrorResponse(error, c.get("requestId")) : run(c, Effect.die(error))
    if (lifecycle.isDraining()) return fail(new StreamUnavailable({ message: "collector is shutting down" }))
    let body: ArrayBuffer
    try {
      // @hono/node-server reads the body straight from the socket here (no undici Request/stream).
      body = await c.req.arrayBuffer()
    } catch {
      return fail(new InvalidPayload({ message: "could not read the request body", issues: [] }))
    }
    let text: string
    try {
      text = utf8.decode(body)
    } catch {
      return fail(new InvalidPayload({ message: "body is not valid UTF-8", issues: [{ path: "(root)", message: "invalid UTF-8" }] }))
    }
    const parsed = parseEvents(text, kind, config.maxMessageBytes)
    if (parsed._tag === "Left") return fail(parsed.left)
    const events = parsed.right
    if (events.length > config.collectorMailbox) {
      return fail(new PayloadTooLarge({ message: `${events.length} events in one request; at most COLLECTOR_MAILBOX (${config.collectorMailbox})`, limit: config.collectorMailbox }))
    }
    const header = c.get("traceparent") ?? c.req.header("traceparent")
    const traceparent = header !== undefined && TRACEPARENT.test(header) ? header : undefined
    const entries = events.map((event) => toFields(event, traceparent))
    try {
      const ids = await commitTraced(c.get("traceparent"), entries)
      return c.json({ accepted: ids.length, ids }, 202)
    } catch (error) {
      return fail(error)
    }
  })
}
