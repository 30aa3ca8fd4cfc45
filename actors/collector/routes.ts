/**
 * @module collector/routes — `POST /ingest`: one JSON event, a JSON array of
 * events, or NDJSON. 202 only once the events are in the stream; every bad body
 * gets a specific 4xx (400/413/415), a full mailbox or a broker outage a 503
 * with Retry-After. Never a 500.
 */
import { Effect } from "effect"
import { Hono } from "hono"
import type { AppConfigShape } from "../../src/config.ts"
import { PayloadTooLarge, StreamUnavailable } from "../../src/errors.ts"
import { errorJson } from "../../src/http/errors.ts"
import { readText, type AppEnv, type Runner } from "../../src/http/routes.ts"
import type { LifecycleService } from "../../src/lifecycle.ts"
import { toFields } from "./event.ts"
import type { GroupCommit } from "./groupCommit.ts"
import { bodyKind, parseEvents } from "./parse.ts"

/** W3C trace context header (version-traceid-parentid-flags); anything else is not stored. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/

/** The collector's routes, writing through `commit`. */
export const collectorRoutes = (run: Runner<never>, commit: GroupCommit, config: AppConfigShape, lifecycle: LifecycleService) =>
  new Hono<AppEnv>().post("/ingest", (c) => {
    const kind = bodyKind(c.req.header("content-type"))
    if (kind === null) {
      return errorJson(415, "UnsupportedMediaType", "send application/json (an event or an array of events) or application/x-ndjson (one event per line)", {
        content_type: c.req.header("content-type")
      })
    }
    return run(c, Effect.gen(function*() {
      if (lifecycle.isDraining()) return yield* new StreamUnavailable({ message: "collector is shutting down" })
      const text = yield* readText(c)
      const events = yield* parseEvents(text, kind, config.maxMessageBytes)
      if (events.length > config.collectorMailbox) {
        return yield* new PayloadTooLarge({ message: `${events.length} events in one request; at most COLLECTOR_MAILBOX (${config.collectorMailbox})`, limit: config.collectorMailbox })
      }
      const header = c.get("traceparent") ?? c.req.header("traceparent")
      const traceparent = header !== undefined && TRACEPARENT.test(header) ? header : undefined
      // A span in the request's trace for the wait until the events are in the stream (the batch span links back).
      const ids = yield* commit.submit(events.map((event) => toFields(event, traceparent))).pipe(
        Effect.withSpan("collector.commit", { attributes: { events: events.length } })
      )
      return c.json({ accepted: ids.length, ids }, 202)
    }))
  })
