/**
 * @module distributor/subscribe — `GET /subscribe`, the live tail over SSE.
 *
 * A resuming client (`Last-Event-ID` header or `?last_event_id=`) is first
 * registered with the fanout, so live events queue up while the missed ones
 * are replayed from the stream (`rangeAfter`, in pages); then queued events up
 * to the last replayed id are dropped. Registering before replaying is what
 * makes the hand-off gapless: anything the tail dispatches after registration
 * is queued, anything before it is in the stream and gets replayed.
 *
 * Each wake-up writes everything queued as ONE pre-encoded chunk: SSE cost is
 * per write, not per event (STACK.md: per-event `writeSSE` collapses at 1,000
 * subscribers). One write is in flight at a time; a client that stops reading
 * leaves it pending, its queue fills, and it gets `overflow` and is closed.
 */
import { Either } from "effect"
import type { Context } from "hono"
import { streamSSE, type SSEStreamingApi } from "hono/streaming"
import type { StreamEntry } from "../../src/broker/Broker.ts"
import type { AppEnv } from "../../src/http/routes.ts"
import { fromFields } from "../collector/event.ts"
import { matches, recordJson, sseEvent, type Fanout, type Filters, type Subscriber } from "./fanout.ts"
import { compareIds } from "./ids.ts"

const REPLAY_PAGE = 1000

/** What the handler needs from the actor. */
export interface SubscribeContext {
  readonly fanout: Fanout
  readonly heartbeatMs: number
  readonly queueLen: number
  /** Resolves when shutdown begins. */
  readonly shutdown: Promise<void>
  /** Broker reads as promises (rejecting with StreamUnavailable). */
  readonly rangeAfter: (afterId: string | null, count: number) => Promise<ReadonlyArray<StreamEntry>>
  readonly firstId: () => Promise<string | null>
}

const encodeReplay = (entries: ReadonlyArray<StreamEntry>, filters: Filters): string => {
  let text = ""
  for (const entry of entries) {
    const decoded = fromFields(entry.id, entry.fields)
    if (Either.isRight(decoded) && matches(filters, decoded.right)) text += sseEvent(entry.id, recordJson(decoded.right))
  }
  return text
}

/** Open the SSE stream for one subscriber. `resumeFrom` is a validated stream id or null. */
export const openSubscription = (
  c: Context<AppEnv>, ctx: SubscribeContext, filters: Filters, resumeFrom: string | null, onClosed: () => void
) =>
  streamSSE(c, async (stream: SSEStreamingApi) => {
    let closed = false
    let subscriber: Subscriber | null = ctx.fanout.add(filters)
    const self = subscriber
    const wakeNow = () => self.wake?.()
    stream.onAbort(() => {
      closed = true
      wakeNow()
    })
    void ctx.shutdown.then(() => {
      closed = true
      wakeNow()
    })
    let lastDelivered: string | null = resumeFrom
    try {
      // A comment first, so proxies and clients see the response start at once.
      await stream.write(`: connected\nretry: 2000\n\n`)
      if (resumeFrom !== null) lastDelivered = await replay(stream, ctx, self, filters, resumeFrom, () => closed)
      await pump(stream, ctx, self, () => closed, (id) => {
        lastDelivered = id
      }, () => lastDelivered)
    } catch (error) {
      // The broker failed during replay: say so; the client reconnects with its Last-Event-ID.
      if (!closed) await stream.write(sseEvent(null, { message: error instanceof Error ? error.message : "stream unavailable" }, "error"))
    } finally {
      ctx.fanout.remove(self)
      subscriber = null
      onClosed()
    }
  })

/** Replay entries after `from`, then drop queued live events already replayed. Returns the last id written. */
const replay = async (
  stream: SSEStreamingApi, ctx: SubscribeContext, subscriber: Subscriber, filters: Filters, from: string, isClosed: () => boolean
): Promise<string> => {
  const first = await ctx.firstId()
  if (first !== null && from !== "0-0" && compareIds(from, first) < 0) {
    await stream.write(sseEvent(null, {
      requested: from,
      first_available: first,
      message: `events after ${from} up to ${first} were trimmed from the stream (TRIM_MAXLEN); replaying from ${first}`
    }, "gap"))
  }
  let cursor = from
  for (;;) {
    if (isClosed()) return cursor
    const page = await ctx.rangeAfter(cursor, REPLAY_PAGE)
    if (page.length === 0) break
    cursor = page[page.length - 1].id
    const text = encodeReplay(page, filters)
    if (text !== "") await stream.write(text)
    if (page.length < REPLAY_PAGE) break
  }
  // Live events that arrived during the replay and were replayed already are dropped here;
  // ones the tail has not reached yet are skipped by dispatch (floor).
  subscriber.floor = cursor
  let keep = 0
  while (keep < subscriber.ids.length && compareIds(subscriber.ids[keep], cursor) <= 0) keep++
  if (keep > 0) {
    subscriber.ids = subscriber.ids.slice(keep)
    subscriber.chunks = subscriber.chunks.slice(keep)
  }
  return cursor
}

/** Write queued events (one chunk per wake-up), heartbeats, and finally `overflow` if the queue overflowed. */
const pump = async (
  stream: SSEStreamingApi, ctx: SubscribeContext, subscriber: Subscriber, isClosed: () => boolean,
  delivered: (id: string) => void, lastDelivered: () => string | null
): Promise<void> => {
  let inflight = false
  let lastWriteAt = Date.now()
  const write = (text: string) => {
    inflight = true
    lastWriteAt = Date.now()
    void stream.write(text).then(() => {
      inflight = false
      subscriber.wake?.()
    })
  }
  while (!isClosed() && !stream.aborted) {
    if (subscriber.overflowed) {
      const last = lastDelivered()
      // Queued behind any pending write; close() then ends the response once the client has read it all.
      void stream.write(sseEvent(last, {
        last_id: last,
        message: `subscriber queue exceeded SUBSCRIBER_QUEUE_LEN (${ctx.queueLen}); reconnect with Last-Event-ID ${last ?? "(none)"} to resume`
      }, "overflow"))
      void stream.close()
      return
    }
    if (!inflight && subscriber.chunks.length > 0) {
      const text = subscriber.chunks.length === 1 ? subscriber.chunks[0] : subscriber.chunks.join("")
      delivered(subscriber.ids[subscriber.ids.length - 1])
      subscriber.chunks = []
      subscriber.ids = []
      write(text)
      continue
    }
    const idle = Date.now() - lastWriteAt
    if (!inflight && idle >= ctx.heartbeatMs) {
      write(`: heartbeat\n\n`)
      continue
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, ctx.heartbeatMs - idle))
      function done() {
        clearTimeout(timer)
        subscriber.wake = null
        resolve()
      }
      subscriber.wake = done
    })
  }
}
