/**
 * @module distributor/subscribe — `GET /subscribe`, the live tail over SSE.
 *
 * Every client joins at the stream's last id when it connects; a resuming one
 * (`Last-Event-ID` header or `?last_event_id=`) asks for more. It is first
 * registered with the fanout, so live events queue up while everything after
 * its id is replayed from the stream (`rangeAfter`, in pages); then queued
 * events up to the last replayed id are dropped. Registering before replaying
 * is what makes the hand-off gapless: anything the tail dispatches after
 * registration is queued, anything before it is in the stream and gets
 * replayed — wherever the tail is, including asleep (see Fanout).
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
  /** The stream's newest id (null when empty). */
  readonly lastId: () => Promise<string | null>
}

const encodeReplay = (entries: ReadonlyArray<StreamEntry>, filters: Filters): string => {
  let text = ""
  for (const entry of entries) {
    const decoded = fromFields(entry.id, entry.fields)
    if (Either.isRight(decoded) && matches(filters, decoded.right)) text += sseEvent(entry.id, recordJson(decoded.right))
  }
  return text
}

/**
 * One subscriber's connection: at most one write in flight, and every wait
 * also wakes on overflow, abort and shutdown, so a client that stops reading
 * can stall its own writes but never this code.
 */
class Connection {
  closed = false
  inflight = false
  lastWriteAt = Date.now()
  lastDelivered: string | null
  readonly stream: SSEStreamingApi
  readonly subscriber: Subscriber

  constructor(stream: SSEStreamingApi, subscriber: Subscriber, resumeFrom: string | null) {
    this.stream = stream
    this.subscriber = subscriber
    this.lastDelivered = resumeFrom
  }

  get stopped(): boolean {
    return this.closed || this.stream.aborted || this.subscriber.overflowed
  }

  write(text: string): void {
    this.inflight = true
    this.lastWriteAt = Date.now()
    void this.stream.write(text).then(() => {
      this.inflight = false
      this.subscriber.wake?.()
    })
  }

  /** Sleep until woken (new events, write done, overflow, abort, shutdown) or `ms` pass. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.subscriber.wake = null
        resolve()
      }
      const timer = setTimeout(done, Math.max(1, ms))
      this.subscriber.wake = done
    })
  }

  /** Wait for the write in flight; false if the connection must stop instead. */
  async settle(heartbeatMs: number): Promise<boolean> {
    while (this.inflight && !this.stopped) await this.wait(heartbeatMs)
    return !this.stopped
  }
}

/** The `error` event a subscriber gets when the broker fails it (before its stream ends). */
const brokerErrorEvent = (error: unknown): string =>
  sseEvent(null, { message: error instanceof Error ? error.message : "stream unavailable" }, "error")

/** Open the SSE stream for one subscriber. `resumeFrom` is a validated stream id or null. */
export const openSubscription = (
  c: Context<AppEnv>, ctx: SubscribeContext, filters: Filters, resumeFrom: string | null, onClosed: () => void
) =>
  streamSSE(c, async (stream: SSEStreamingApi) => {
    let joinedAt: string
    try {
      joinedAt = (await ctx.lastId()) ?? "0-0"
    } catch (error) {
      // No broker, no position to join at: say so and end; the client reconnects (retry) and resumes.
      await stream.write(`retry: 2000\n\n${brokerErrorEvent(error)}`).catch(() => {})
      onClosed()
      return
    }
    const connection = new Connection(stream, ctx.fanout.add(filters, joinedAt), resumeFrom)
    const stop = () => {
      connection.closed = true
      connection.subscriber.wake?.()
    }
    stream.onAbort(stop)
    void ctx.shutdown.then(stop)
    try {
      // A comment first (right after the one read that fixed the join point), so proxies and clients see the response start.
      connection.write(`: connected\nretry: 2000\n\n`)
      await replay(connection, ctx, filters, resumeFrom ?? joinedAt, resumeFrom !== null)
      await pump(connection, ctx)
    } catch (error) {
      // The broker failed during replay: say so and end; the client reconnects with its Last-Event-ID.
      if (!connection.closed) connection.write(brokerErrorEvent(error))
    } finally {
      ctx.fanout.remove(connection.subscriber)
      onClosed()
    }
  })

/**
 * Replay entries after `from`, then drop queued live events already replayed.
 * `asked`: the client asked for `from` (Last-Event-ID), so a trimmed start is reported as `gap`.
 */
const replay = async (connection: Connection, ctx: SubscribeContext, filters: Filters, from: string, asked: boolean): Promise<void> => {
  const { subscriber } = connection
  const first = asked ? await ctx.firstId() : null
  if (first !== null && from !== "0-0" && compareIds(from, first) < 0) {
    connection.write(sseEvent(null, {
      requested: from,
      first_available: first,
      message: `events after ${from} up to ${first} were trimmed from the stream (TRIM_MAXLEN); replaying from ${first}`
    }, "gap"))
  }
  let cursor = from
  for (;;) {
    if (!(await connection.settle(ctx.heartbeatMs))) return
    const page = await ctx.rangeAfter(cursor, REPLAY_PAGE)
    if (page.length === 0) break
    cursor = page[page.length - 1].id
    const text = encodeReplay(page, filters)
    if (text !== "") connection.write(text)
    connection.lastDelivered = cursor
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
}

/** Write queued events (one chunk per wake-up), heartbeats, and finally `overflow` if the queue overflowed. */
const pump = async (connection: Connection, ctx: SubscribeContext): Promise<void> => {
  const { subscriber, stream } = connection
  while (!connection.closed && !stream.aborted) {
    if (subscriber.overflowed) {
      const last = connection.lastDelivered
      // Queued behind any pending write; the response ends once the client has read it all.
      void stream.write(sseEvent(last, {
        last_id: last,
        message: `subscriber queue exceeded SUBSCRIBER_QUEUE_LEN (${ctx.queueLen}); reconnect with Last-Event-ID ${last ?? "(none)"} to resume`
      }, "overflow"))
      return
    }
    if (!connection.inflight && subscriber.chunks.length > 0) {
      const text = subscriber.chunks.length === 1 ? subscriber.chunks[0] : subscriber.chunks.join("")
      connection.lastDelivered = subscriber.ids[subscriber.ids.length - 1]
      subscriber.chunks = []
      subscriber.ids = []
      connection.write(text)
      continue
    }
    const idle = Date.now() - connection.lastWriteAt
    if (!connection.inflight && idle >= ctx.heartbeatMs) {
      connection.write(`: heartbeat\n\n`)
      continue
    }
    await connection.wait(connection.inflight ? ctx.heartbeatMs : ctx.heartbeatMs - idle)
  }
}
