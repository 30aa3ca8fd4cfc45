/**
 * @module distributor/fanout — in-process broadcast of the stream to this
 * replica's SSE subscribers.
 *
 * One tail fiber per process reads the stream (`readAfter`, blocking) and calls
 * `dispatch`; every replica runs its own tail, so every replica sees every
 * event (a consumer group would split them). Each subscriber has a bounded
 * queue of pre-encoded SSE chunks: `dispatch` never waits for a client, and a
 * subscriber whose queue passes `SUBSCRIBER_QUEUE_LEN` is marked overflowed
 * (its queue dropped), so a slow client costs neither time nor memory.
 *
 * With nobody subscribed the tail sleeps instead of reading (`tailSleeps`):
 * a blocking read per ingest write was ≈ 45% of an otherwise idle
 * distributor's CPU (sinks only, 5,000 events/s). Every subscriber joins at the
 * stream id that was last when it connected (`add`); the tail wakes on the
 * first join and resumes from the oldest such id (`tailWakes`), so nothing
 * written after a subscriber connected is skipped.
 */
import { Either } from "effect"
import type { StreamEntry } from "../../src/broker/Broker.ts"
import { compareIds } from "./ids.ts"
import { fromFields, levelRank, type Level, type LogRecord } from "../collector/event.ts"
import { record as metrics } from "../../src/telemetry/metrics.ts"

/** What a subscriber asked for; all present filters must match. */
export interface Filters {
  readonly sources: ReadonlyArray<string> | null
  readonly minLevel: Level | null
  /** Lower-cased substring of the message. */
  readonly q: string | null
}

export const matches = (filters: Filters, record: LogRecord): boolean =>
  (filters.sources === null || filters.sources.includes(record.source)) &&
  (filters.minLevel === null || levelRank(record.level) >= levelRank(filters.minLevel)) &&
  (filters.q === null || record.message.toLowerCase().includes(filters.q))

/** The JSON an SSE `data:` line and `/logs` carry for one event. */
export const recordJson = (record: LogRecord) => ({
  id: record.id,
  ts_unix_ms: record.ts_unix_ms,
  timestamp: new Date(record.ts_unix_ms).toISOString(),
  source: record.source,
  level: record.level,
  message: record.message,
  ...(record.metadata === undefined ? {} : { metadata: record.metadata })
})

/** One SSE message; JSON.stringify never emits a raw newline, so `data` is one line. */
export const sseEvent = (id: string | null, data: unknown, event?: string): string =>
  `${event === undefined ? "" : `event: ${event}\n`}${id === null ? "" : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`

/** One live subscriber's queue. Mutated only by `dispatch` and its own pump. */
export interface Subscriber {
  readonly filters: Filters
  /** Pre-encoded chunks waiting to be written, and their ids (same order). */
  chunks: Array<string>
  ids: Array<string>
  overflowed: boolean
  /**
   * Ids up to this one were replayed from the stream: the tail may still be
   * behind them, so dispatch skips them (once it passes the floor, it is cleared).
   */
  floor: string | null
  /** Set by the pump while it waits; called when there is something to do. */
  wake: (() => void) | null
}

/** The set of subscribers of one process, and the broadcast step. */
export class Fanout {
  readonly subscribers = new Set<Subscriber>()
  /** Events handed to subscribers, for /debug. */
  delivered = 0

  private readonly queueLen: number
  /** Whether the tail sleeps, and the oldest id a subscriber joined at since it fell asleep. */
  private sleeping = false
  private joinedWhileAsleep: string | null = null
  private onJoin: (() => void) | null = null

  constructor(queueLen: number) {
    this.queueLen = queueLen
  }

  /** A subscriber that joins the stream after `joinedAt` (the last id when it connected; "0-0" for an empty stream). */
  add(filters: Filters, joinedAt: string): Subscriber {
    const subscriber: Subscriber = { filters, chunks: [], ids: [], overflowed: false, floor: null, wake: null }
    this.subscribers.add(subscriber)
    if (this.sleeping && (this.joinedWhileAsleep === null || compareIds(joinedAt, this.joinedWhileAsleep) < 0)) {
      this.joinedWhileAsleep = joinedAt
    }
    this.onJoin?.()
    return subscriber
  }

  /** The tail stops reading (nobody subscribed); joins are remembered from now on. Asleep already: no change. */
  tailSleeps(): void {
    if (this.sleeping) return
    this.sleeping = true
    this.joinedWhileAsleep = null
  }

  /** The tail reads again: the id to resume after, or null if it was not asleep or nobody joined meanwhile. */
  tailWakes(): string | null {
    const resumeAfter = this.joinedWhileAsleep
    this.sleeping = false
    this.joinedWhileAsleep = null
    return resumeAfter
  }

  /** Call `f` once, at the next join; returns the cancel. */
  whenJoined(f: () => void): () => void {
    this.onJoin = () => {
      this.onJoin = null
      f()
    }
    return () => {
      this.onJoin = null
    }
  }

  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber)
    subscriber.chunks = []
    subscriber.ids = []
  }

  /**
   * Tell every live subscriber that the stream was trimmed past the tail
   * (entries after `lastId`, before `firstAvailable`, may never be delivered).
   */
  gap(lastId: string, firstAvailable: string): void {
    const chunk = sseEvent(null, {
      requested: lastId,
      first_available: firstAvailable,
      message: `the stream was trimmed (TRIM_MAXLEN) past this distributor's tail: events after ${lastId} and before ${firstAvailable} may be missing`
    }, "gap")
    for (const subscriber of this.subscribers) {
      if (subscriber.overflowed) continue
      subscriber.chunks.push(chunk)
      subscriber.ids.push(lastId)
      subscriber.wake?.()
    }
  }

  /** Queue `entries` for every subscriber they match; decode and encode each entry once. */
  dispatch(entries: ReadonlyArray<StreamEntry>): void {
    if (this.subscribers.size === 0) return
    const before = this.delivered
    const touched = new Set<Subscriber>()
    for (const entry of entries) {
      const decoded = fromFields(entry.id, entry.fields)
      if (Either.isLeft(decoded)) continue
      const record = decoded.right
      let chunk: string | undefined
      for (const subscriber of this.subscribers) {
        if (subscriber.overflowed) continue
        if (subscriber.floor !== null) {
          if (compareIds(record.id, subscriber.floor) <= 0) continue
          subscriber.floor = null
        }
        if (!matches(subscriber.filters, record)) continue
        chunk ??= sseEvent(record.id, recordJson(record))
        subscriber.chunks.push(chunk)
        subscriber.ids.push(record.id)
        this.delivered++
        if (subscriber.chunks.length > this.queueLen) {
          subscriber.overflowed = true
          metrics.overflowClose()
          subscriber.chunks = []
          subscriber.ids = []
        }
        touched.add(subscriber)
      }
    }
    for (const subscriber of touched) subscriber.wake?.()
    metrics.sseEventsSent(this.delivered - before)
  }
}
