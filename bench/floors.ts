/**
 * @module bench/floors — the baseline servers bench/ingest measures Fluxgate
 * against, each the least a server can do for its phase:
 *
 *   bench/floors.ts bare <port>                       POST /ingest: read the body, answer 202 (stores nothing)
 *   bench/floors.ts persisting <port> <redis> <stream>  POST /ingest: JSON.parse each event, XADD it as raw
 *                                                     RESP, answer 202 once it is in the stream
 *   bench/floors.ts sse <port> <redis> <stream>         GET /subscribe?source=: XREAD BLOCK on a raw socket,
 *                                                     each matching entry as one SSE message
 *
 * No validation, middleware, tracing, batching across requests, supervision
 * or replay. Where a floor misses a target, no implementation on this box
 * meets it; what separates Fluxgate from its floor is Fluxgate's own cost.
 */
import { Hono } from "hono"
import { serve } from "@hono/node-server"
import { parseRedisAddress } from "../src/broker/redis.ts"
import { makeRawPipe } from "../src/broker/redis/rawPipe.ts"
import type { PipeReply } from "../src/broker/redis/resp.ts"
import { rawRedis } from "./redisServer.ts"

const [mode, portArg, redisUrl = "", stream = ""] = process.argv.slice(2)
const app = new Hono()

if (mode === "bare") {
  app.post("/ingest", async (c) => {
    const body = await c.req.text()
    return c.json({ accepted: 1, bytes: body.length }, 202)
  })
} else if (mode === "persisting") {
  // The broker's raw pipe: one write per request, its XADDs in one MULTI (as Fluxgate's batches).
  const pipe = makeRawPipe({ address: parseRedisAddress(redisUrl), connectTimeoutMs: 2000, replyTimeoutMs: 5000 })
  const fieldsOf = (text: string): Record<string, string> => {
    const e = JSON.parse(text) as Record<string, unknown>
    const fields: Record<string, string> = { source: String(e.source), level: String(e.level), message: String(e.message), ts: String(e.ts_unix_ms ?? Date.now()) }
    if (e.metadata !== undefined) fields.metadata = JSON.stringify(e.metadata)
    return fields
  }
  app.post("/ingest", async (c) => {
    const body = await c.req.text()
    const events = c.req.header("content-type") === "application/x-ndjson"
      ? body.split("\n").filter((line) => line !== "").map(fieldsOf)
      : [fieldsOf(body)]
    const ids = (await pipe.xadd(stream, events, 50_000)).map((id) => {
      if (id instanceof Error) throw id
      return id
    })
    return c.json({ accepted: ids.length, ids }, 202)
  })
} else if (mode === "sse") {
  app.get("/subscribe", (c) => {
    const source = c.req.query("source")
    const encoder = new TextEncoder()
    // One connection per subscriber, one XREAD BLOCK at a time, from the stream's end.
    const redis = rawRedis(redisUrl)
    let open = true
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(": floor\n\n"))
        let lastId = "$"
        while (open) {
          const reply = await redis.command(["XREAD", "COUNT", "1000", "BLOCK", "1000", "STREAMS", stream, lastId]).catch(() => null)
          if (!open || reply === null) break
          // [[stream, [[id, [field, value, …]], …]]], or "" when the block timed out.
          if (!Array.isArray(reply)) continue
          let out = ""
          for (const [id, flat] of (reply[0] as Array<PipeReply>)[1] as Array<[string, Array<string>]>) {
            lastId = id
            const fields: Record<string, string> = {}
            for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1]
            if (source === undefined || fields.source === source) out += `id: ${id}\ndata: ${JSON.stringify(fields)}\n\n`
          }
          if (out !== "") controller.enqueue(encoder.encode(out))
        }
        redis.close()
      },
      cancel() {
        open = false
        redis.close()
      }
    })
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } })
  })
} else {
  throw new Error(`unknown floor ${JSON.stringify(mode)}: bare | persisting | sse`)
}

serve({ fetch: app.fetch, port: Number(portArg), hostname: "127.0.0.1" })
