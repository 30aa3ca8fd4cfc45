/**
 * @module collector/groupCommit — the collector's mailbox and its writer.
 *
 * Requests put their events in a bounded mailbox (counted in events, so one
 * request is admitted whole or not at all) and wait on a callback. One writer
 * fiber takes whole requests, up to `INGEST_BATCH_MAX` events, and writes them
 * with ONE `broker.append` (one round trip): under load many requests
 * share a write, and Redis sees a few big pipelines instead of many small ones.
 * A failed write fails every request of that batch with `StreamUnavailable`
 * (→ 503) and nothing else: the next batch starts clean.
 */
import { Effect } from "effect"
import { Broker, type BrokerService, type Fields } from "../../src/broker/Broker.ts"
import { MailboxFull, StreamUnavailable } from "../../src/errors.ts"
import { record } from "../../src/telemetry/metrics.ts"
import { linkStoredTraces } from "../../src/telemetry/traceparent.ts"

/** A request waiting for its write: plain callbacks, so the HTTP fast path needs no fiber per request. */
interface Waiting {
  readonly entries: ReadonlyArray<Fields>
  readonly succeed: (ids: ReadonlyArray<string>) => void
  readonly fail: (error: StreamUnavailable) => void
}

/** What the writer needs to know. */
export interface GroupCommitOptions {
  readonly stream: string
  readonly maxLen: number
  /** Most events per write (a larger single request is written alone, in one write). */
  readonly batchMax: number
  /** Most events admitted and not yet written (queued + in flight). */
  readonly capacity: number
}

/** The mailbox plus its writer step. */
export interface GroupCommit {
  /** Admit `entries` and wait until they are in the stream; their ids in order. */
  readonly submit: (entries: ReadonlyArray<Fields>) => Effect.Effect<ReadonlyArray<string>, MailboxFull | StreamUnavailable>
  /** `submit` as a plain Promise (rejects with MailboxFull | StreamUnavailable): the request path without a fiber. */
  readonly submitPromise: (entries: ReadonlyArray<Fields>) => Promise<ReadonlyArray<string>>
  /**
   * Wait until at least `min` events are queued. The first writer waits for one; extra
   * writers wait for a full batch, so they only add a second write in flight (Redis
   * running one batch while Node encodes the next) when there is a backlog to share, and
   * light traffic keeps batching behind a single writer.
   */
  readonly waitForWork: (min: number) => Effect.Effect<void>
  /** Write one batch (nothing when the mailbox is empty). Never fails: a failed write fails its requests instead. */
  readonly writeBatch: Effect.Effect<number, never, Broker>
  /** Fail everything still waiting (shutdown). */
  readonly failAll: (reason: string) => Effect.Effect<void>
  /** Events admitted and not yet acknowledged. */
  readonly depth: () => number
}

/**
 * One `append` for the whole batch: on standalone Redis the broker writes it as
 * one MULTI of raw XADDs in one socket write (see broker/redis/rawPipe), in
 * a cluster as one script. Either way all the ids, in order, or a failure.
 */
const appendBatch = (broker: BrokerService, options: GroupCommitOptions, entries: ReadonlyArray<Fields>): Effect.Effect<ReadonlyArray<string>, StreamUnavailable> =>
  broker.append(options.stream, entries, options.maxLen > 0 ? { maxLen: options.maxLen } : undefined)

export const makeGroupCommit = (options: GroupCommitOptions): GroupCommit => {
  const queue: Array<Waiting> = []
  let head = 0
  let admitted = 0
  /** Events queued and not yet taken by a writer. */
  let queued = 0
  /** Writers waiting for work: each wants at least `min` queued events. */
  const waiters = new Set<{ readonly min: number; readonly resume: () => void }>()
  const wakeWaiters = () => {
    for (const waiter of waiters) {
      if (queued >= waiter.min) {
        waiters.delete(waiter)
        waiter.resume()
      }
    }
  }

  // No extra yield before taking a batch: requests are admitted by a plain async handler, so while
  // a write is in flight every request parsed meanwhile queues and the next batch takes them all
  // (avg ~8–13 requests per write at 32 concurrent clients). A setImmediate wait before each batch
  // was measured (A/B, 3 pairs) to cost throughput and CPU per request rather than save it.
  const waitForWork = (min: number) => Effect.async<void>((resume) => {
    if (queued >= min) return resume(Effect.void)
    const waiter = { min, resume: () => resume(Effect.void) }
    waiters.add(waiter)
    return Effect.sync(() => {
      waiters.delete(waiter)
    })
  })

  const takeBatch = (): Array<Waiting> => {
    const batch: Array<Waiting> = []
    let events = 0
    while (head < queue.length) {
      const next = queue[head]
      if (batch.length > 0 && events + next.entries.length > options.batchMax) break
      batch.push(next)
      events += next.entries.length
      // Let go of it at once: a taken slot kept its request's events and promise callbacks (and
      // through them the request) reachable until the next compaction, up to 1,024 requests later.
      queue[head] = undefined as unknown as Waiting
      head++
    }
    queued -= events
    if (head === queue.length) {
      queue.length = 0
      head = 0
    } else if (head > 1024 && head * 2 > queue.length) {
      // Compact now and then so the array does not grow with every request ever made.
      queue.splice(0, head)
      head = 0
    }
    return batch
  }

  /** Admit or refuse at once (false = mailbox full); the callbacks run when the write settles. */
  const enqueue = (entries: ReadonlyArray<Fields>, succeed: Waiting["succeed"], fail: Waiting["fail"]): boolean => {
    if (admitted + entries.length > options.capacity) return false
    admitted += entries.length
    queue.push({ entries, succeed, fail })
    queued += entries.length
    wakeWaiters()
    return true
  }

  const submitPromise = (entries: ReadonlyArray<Fields>) =>
    new Promise<ReadonlyArray<string>>((resolve, reject) => {
      if (!enqueue(entries, resolve, reject)) reject(new MailboxFull({ actor: "collector" }))
    })

  const submit = (entries: ReadonlyArray<Fields>) =>
    Effect.async<ReadonlyArray<string>, MailboxFull | StreamUnavailable>((resume) => {
      if (!enqueue(entries, (ids) => resume(Effect.succeed(ids)), (error) => resume(Effect.fail(error)))) {
        resume(Effect.fail(new MailboxFull({ actor: "collector" })))
      }
    })

  const writeBatch = Effect.gen(function*() {
    const batch = takeBatch()
    if (batch.length === 0) return 0
    const broker = yield* Broker
    const all: Array<Fields> = []
    let traced = false
    for (const request of batch) {
      for (const fields of request.entries) {
        all.push(fields)
        traced ||= fields.traceparent !== undefined
      }
    }
    // The batch span links every request's trace (stored as each entry's traceparent).
    if (traced) yield* linkStoredTraces(all)
    // This runs once per write, thousands of times a second: plain callbacks and sync metrics,
    // so the fiber does a handful of steps per batch (each Effect step costs ~1 µs of CPU).
    const result = yield* appendBatch(broker, options, all).pipe(
      Effect.either,
      // Shutdown mid-write: the callers get a 503 rather than a hang (the write may or may not have landed).
      Effect.onInterrupt(() => Effect.sync(() => {
        admitted -= all.length
        for (const request of batch) request.fail(new StreamUnavailable({ message: "collector shutting down" }))
      }))
    )
    admitted -= all.length
    if (result._tag === "Right" && result.right.length === all.length) {
      record.ingestBatch(all.length, all.length)
      let offset = 0
      for (const request of batch) {
        const ids = result.right.slice(offset, offset + request.entries.length)
        offset += request.entries.length
        request.succeed(ids)
      }
    } else if (batch.length > 1 && result._tag === "Left") {
      record.ingestBatch(all.length, 0)
      // Isolate the failure: each request is written on its own, so one request that Redis
      // rejects fails alone (in an outage every retry fails fast, and each caller gets its 503).
      for (const request of batch) {
        const alone = yield* Effect.either(appendBatch(broker, options, request.entries))
        if (alone._tag === "Right" && alone.right.length === request.entries.length) {
          record.ingestBatch(0, request.entries.length)
          request.succeed(alone.right)
        } else {
          request.fail(alone._tag === "Left" ? alone.left : new StreamUnavailable({ message: "append returned too few ids" }))
        }
      }
    } else {
      record.ingestBatch(all.length, 0)
      const error = result._tag === "Left"
        ? result.left
        : new StreamUnavailable({ message: `append returned ${result.right.length} ids for ${all.length} events` })
      for (const request of batch) request.fail(error)
    }
    return all.length
  })

  const failAll = (reason: string) =>
    Effect.suspend(() => {
      const rest = queue.slice(head)
      queue.length = 0
      head = 0
      queued = 0
      for (const request of rest) {
        admitted -= request.entries.length
        request.fail(new StreamUnavailable({ message: reason }))
      }
      return Effect.void
    })

  return { submit, submitPromise, waitForWork, writeBatch, failAll, depth: () => admitted }
}
