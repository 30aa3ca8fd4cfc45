/**
 * @module keys — every Redis key name Fluxgate uses comes from here.
 *
 * Fluxgate's own keys share one hash tag (`{<prefix>}`) so multi-key scripts
 * stay in one Redis Cluster slot. Queue and stream names are used verbatim so
 * seed-style producers (`LPUSH messages hello`, `XADD logs …`) interoperate;
 * the keys that must move atomically with a queue (processing, delayed, dead)
 * carry that queue's own hash tag instead.
 */

/** The hash tag Redis Cluster would use for `key`: the text of its first `{…}` if non-empty, else the whole key. */
export const hashTagOf = (key: string): string => {
  const open = key.indexOf("{")
  if (open >= 0) {
    const close = key.indexOf("}", open + 1)
    if (close > open + 1) return key.slice(open + 1, close)
  }
  return key
}

export interface Keys {
  readonly prefix: string
  /** A stream, verbatim (seed 003's `STREAM_NAME`). */
  readonly stream: (name: string) => string
  /** Where poison stream entries go. */
  readonly deadStream: (name: string) => string
  /** A task list, verbatim (seed 004's `QUEUE_NAME`, seed 001's `tasks_queue`). */
  readonly queue: (name: string) => string
  /** A worker's processing list for `queue` (same slot as the queue). */
  readonly processing: (queue: string, consumer: string) => string
  /** Set of consumers that own processing lists for `queue`. */
  readonly consumers: (queue: string) => string
  /** Sorted set of retries waiting for their time (score = due ms). */
  readonly delayed: (queue: string) => string
  /** Dead-letter list for `queue`. */
  readonly dead: (queue: string) => string
  /** One task record (hash). */
  readonly task: (id: string) => string
  /** The newest task ids, newest first (a list capped at TASK_INDEX_MAX, see worker/task). */
  readonly taskIndex: () => string
  /** Scratch key a bulk enqueue's script builds its records from (it exists only while that script runs; worker/scripts/createMany). */
  readonly taskTemplate: () => string
  /** A bulk enqueue's counter of the records it created so far (short-lived; worker/scripts/pushBatch). */
  readonly taskBatch: (batchId: string) => string
  /** Idempotency key → task id. */
  readonly idempotency: (key: string) => string
  /** A worker's liveness key (expires unless refreshed). */
  readonly heartbeat: (consumer: string) => string
  /** A gate's state (hash) and its inbox (list). */
  readonly gate: (name: string) => string
  readonly gateInbox: (name: string) => string
  /** Short-lived trace index (spans shared across processes). */
  readonly trace: (traceId: string) => string
  /** A scratch key the Redis broker writes and reads (with a short TTL) to measure a round trip. */
  readonly diagnostics: (id: string) => string
}

/** Key names for one deployment (`KEY_PREFIX`); tests pass a unique prefix each. */
export const keys = (prefix: string): Keys => {
  const own = `{${prefix}}`
  const queueTag = (queue: string) => `{${hashTagOf(queue)}}`
  return {
    prefix,
    stream: (name) => name,
    deadStream: (name) => `${name}:dead`,
    queue: (name) => name,
    processing: (queue, consumer) => `${queueTag(queue)}:${prefix}:processing:${queue}:${consumer}`,
    consumers: (queue) => `${queueTag(queue)}:${prefix}:consumers:${queue}`,
    delayed: (queue) => `${queueTag(queue)}:${prefix}:delayed:${queue}`,
    dead: (queue) => `${queueTag(queue)}:${prefix}:dead:${queue}`,
    task: (id) => `${own}:task:${id}`,
    // Not `:tasks`: that name held the earlier sorted-set index, and a list op on it would fail WRONGTYPE.
    taskIndex: () => `${own}:tasks:recent`,
    taskTemplate: () => `${own}:tasks:template`,
    taskBatch: (batchId) => `${own}:tasks:batch:${batchId}`,
    idempotency: (key) => `${own}:idem:${key}`,
    heartbeat: (consumer) => `${own}:heartbeat:${consumer}`,
    gate: (name) => `${own}:gate:${name}`,
    gateInbox: (name) => `${own}:gate:${name}:inbox`,
    trace: (traceId) => `${own}:trace:${traceId}`,
    diagnostics: (id) => `${own}:diagnostics:${id}`
  }
}
