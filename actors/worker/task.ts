/**
 * @module worker/task — what a queue item and a task record look like.
 *
 * A queue item is an *envelope*, `{"id","type","payload","created_at"}` (JSON),
 * written once and never changed, so the exact string can be LREM'd from any
 * list. A task record is a hash `keys.task(id)` holding status and history;
 * the record, not the envelope, is the truth about attempts.
 *
 * Items that seed-style producers push by hand are accepted too: plain text is
 * a `message` task; a JSON object with a `type` (and no `id`) is a task of that
 * type; `{"message": "…"}` without a type is a message. Those get an id and a
 * record when a worker first leases them.
 */
import { randomUuid } from "../../src/random.ts"
import { wellFormed } from "../../src/broker/wellFormed.ts"

/** The canonical queue item. */
export interface Envelope {
  readonly id: string
  readonly type: string
  readonly payload: unknown
  readonly created_at: number
  /** W3C trace context of the request that queued it: the worker's attempt continues that trace. */
  readonly traceparent?: string | undefined
}

export type TaskStatus = "queued" | "running" | "retrying" | "succeeded" | "failed"

/**
 * Task ids the index (`keys.taskIndex`, a list, newest first) keeps; `GET /tasks`
 * looks through these. A list, not a sorted set by creation time: an LPUSH of a
 * batch costs Redis a fraction of a ZADD per member (measured on createMany:
 * 6.4–6.9 against 11–12 µs per record in all), and the cap (one LTRIM) bounds
 * it where the sorted set needed pruning by age. Ids of deleted tasks are
 * removed with them; ids of expired records stay until trimmed and are skipped.
 */
export const TASK_INDEX_MAX = 5_000

/** A new task id: a random UUID, unique across processes (see src/random.ts for why not crypto.randomUUID). */
export const newTaskId = (): string => randomUuid()

/** Serialize an envelope (field order fixed so equal envelopes are equal strings). */
export const encodeEnvelope = (e: Envelope): string =>
  envelopeJson(e.id, e.type, JSON.stringify(e.payload ?? null), e.created_at, e.traceparent)

/**
 * `encodeEnvelope` from parts, the payload already JSON: bulk enqueue has it as
 * text for the record and must not stringify it twice.
 */
export const envelopeJson = (id: string, type: string, payloadJson: string, createdAt: number, traceparent?: string): string =>
  `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"payload":${payloadJson},"created_at":${JSON.stringify(createdAt)}` +
  (traceparent === undefined ? "}" : `,"traceparent":${JSON.stringify(traceparent)}}`)

/**
 * `envelopeJson` for a batch of tasks created together (bulk enqueue): the
 * parts every envelope of the batch shares (`created_at`, `traceparent`, each
 * type's JSON) are encoded once, and the id, one this process generated (a
 * UUID: nothing to escape), is spliced in as it is. Byte for byte what
 * `envelopeJson` gives for such ids (the envelope tests check it); per task
 * it saves three JSON.stringify calls and their strings.
 */
export const batchEnvelopes = (createdAt: number, traceparent?: string) => {
  const tail = `,"created_at":${JSON.stringify(createdAt)}` + (traceparent === undefined ? "}" : `,"traceparent":${JSON.stringify(traceparent)}}`)
  const typeParts = new Map<string, string>()
  return (generatedId: string, type: string, payloadJson: string): string => {
    let middle = typeParts.get(type)
    if (middle === undefined) {
      middle = `","type":${JSON.stringify(type)},"payload":`
      typeParts.set(type, middle)
    }
    return `{"id":"` + generatedId + middle + payloadJson + tail
  }
}

/** What a leased string turned out to be. */
export type Leased =
  /** Made by Fluxgate: the record exists (unless deleted or expired). */
  | { readonly kind: "envelope"; readonly envelope: Envelope }
  /** Pushed raw by a producer: a record is created on the fly from `envelope`. */
  | { readonly kind: "raw"; readonly envelope: Envelope }

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Classify a leased string. Never fails: anything unparseable is a raw message or a raw task that will fail to decode. */
export const classify = (raw: string, now: number, id: () => string = newTaskId): Leased => {
  let parsed: unknown = undefined
  const trimmed = raw.trimStart()
  if (trimmed.startsWith("{")) {
    try {
      parsed = JSON.parse(raw)
    } catch {
      parsed = undefined
    }
  }
  if (isObject(parsed)) {
    if (typeof parsed.id === "string" && typeof parsed.type === "string") {
      const created = typeof parsed.created_at === "number" ? parsed.created_at : now
      const traceparent = typeof parsed.traceparent === "string" ? { traceparent: parsed.traceparent } : {}
      // Ids and types go to Redis inside JSON script arguments: no lone surrogates (see broker/wellFormed).
      return { kind: "envelope", envelope: { id: wellFormed(parsed.id), type: wellFormed(parsed.type), payload: parsed.payload, created_at: created, ...traceparent } }
    }
    if (typeof parsed.type === "string" || "type" in parsed) {
      // A raw task: its type and payload are checked by the handler registry (bad ones go to dead).
      return { kind: "raw", envelope: { id: id(), type: wellFormed(String(parsed.type)), payload: parsed.payload ?? null, created_at: now } }
    }
    if (typeof parsed.message === "string") {
      return { kind: "raw", envelope: { id: id(), type: "message", payload: { message: parsed.message }, created_at: now } }
    }
  }
  return { kind: "raw", envelope: { id: id(), type: "message", payload: { message: raw }, created_at: now } }
}

/**
 * The fields of a new record. Kept lean because bulk enqueue writes one per
 * task: no copy of the envelope (`envelopeOfRecord` rebuilds the exact string),
 * no `task_id` (the key ends with it; `store.getRecord` adds it back), and
 * `attempts` / `updated_at` are absent until the first change (read as 0 /
 * `created_at`).
 */
export const newRecordFields = (
  e: Envelope,
  options: { readonly queue: string; readonly maxAttempts: number; readonly initiatedBy: string; readonly idempotencyKey?: string }
): Record<string, string> => ({
  type: e.type,
  payload: JSON.stringify(e.payload ?? null),
  max_attempts: String(options.maxAttempts),
  ...sharedRecordFields(options.queue, options.initiatedBy, e.created_at, e.traceparent),
  ...(options.idempotencyKey === undefined ? {} : { idempotency_key: options.idempotencyKey })
})

/** The fields of a new record that a bulk enqueue's tasks all share (createMany sends them once). */
export const sharedRecordFields = (queue: string, initiatedBy: string, createdAt: number, traceparent?: string): Record<string, string> => ({
  queue,
  status: "queued",
  initiated_by: initiatedBy,
  created_at: String(createdAt),
  ...(traceparent === undefined ? {} : { traceparent })
})

/**
 * The queued string of a record's task, byte for byte (so LREM/ZREM find it):
 * `payload` was written with JSON.stringify, and JSON.stringify(JSON.parse(x))
 * gives x back. Records written before this layout carry `envelope` itself.
 * `record` as `store.getRecord` returns it, with its `task_id`.
 */
export const envelopeOfRecord = (record: Readonly<Record<string, string>>): string => {
  if (record.envelope !== undefined && record.envelope !== "") return record.envelope
  let payload: unknown = null
  try {
    payload = JSON.parse(record.payload ?? "null")
  } catch {
    payload = record.payload
  }
  return encodeEnvelope({
    id: record.task_id,
    type: record.type,
    payload,
    created_at: Number(record.created_at),
    ...(record.traceparent === undefined || record.traceparent === "" ? {} : { traceparent: record.traceparent })
  })
}

/** Flatten a record for ARGV (field, value, field, value, …). */
export const flat = (fields: Readonly<Record<string, string>>): Array<string> => Object.entries(fields).flat()

const parseJsonField = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The record's error, if the task has one now: a failed attempt writes
 * `error`, and a later success leaves it (finishMany writes one field less per
 * task), so a succeeded task has none whatever the field says.
 */
export const currentError = (record: Readonly<Record<string, string>>): string | undefined =>
  record.status === "succeeded" || record.error === undefined || record.error === "" ? undefined : record.error

const iso = (ms: string | undefined): string | undefined =>
  ms === undefined || !Number.isFinite(Number(ms)) ? undefined : new Date(Number(ms)).toISOString()

/** The JSON view of a record (`GET /tasks/:id/status`, `GET /tasks`). */
export const recordView = (record: Readonly<Record<string, string>>, checkedBy: string) => {
  const error = currentError(record)
  return {
    task_id: record.task_id,
    type: record.type,
    queue: record.queue,
    status: record.status as TaskStatus,
    ...(record.result === undefined ? {} : { result: parseJsonField(record.result) }),
    ...(error === undefined ? {} : { error }),
    attempts: Number(record.attempts ?? 0),
    max_attempts: Number(record.max_attempts ?? 0),
    initiated_by: record.initiated_by,
    checked_by: checkedBy,
    ...(record.handled_by === undefined ? {} : { handled_by: record.handled_by }),
    ...(record.note === undefined || record.note === "" ? {} : { note: record.note }),
    payload: parseJsonField(record.payload),
    created_at: iso(record.created_at),
    updated_at: iso(record.updated_at ?? record.created_at),
    // When the record will be gone (worker/scripts/expireAt); absent on records written before the field.
    ...(record.expires_at === undefined ? {} : { expires_at: iso(record.expires_at) })
  }
}
