/**
 * @module broker/redis/reply — turn raw ioredis replies (typed `unknown` because
 * every command goes through `call`) into the broker's shapes, failing loudly on
 * anything unexpected rather than passing `undefined` along.
 */
import type { Fields, Reply, StreamEntry } from "../Broker.ts"

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array

/** A bulk string reply as text (ioredis hands out Buffers from the *Buffer variants and nested script replies). */
export const asText = (value: unknown, what: string): string => {
  if (typeof value === "string") return value
  if (isBytes(value)) return new TextDecoder().decode(value)
  if (typeof value === "number") return String(value)
  throw new Error(`unexpected reply for ${what}: ${typeof value}`)
}

export const asTextOrNull = (value: unknown, what: string): string | null =>
  value === null || value === undefined ? null : asText(value, what)

/** An integer reply (Redis sends integers as numbers; some INFO-like replies send them as strings). */
export const asNumber = (value: unknown, what: string): number => {
  if (typeof value === "number") return value
  const text = asText(value, what)
  const number = Number(text)
  if (text === "" || Number.isNaN(number)) throw new Error(`unexpected reply for ${what}: "${text}"`)
  return number
}

export const asArray = (value: unknown, what: string): ReadonlyArray<unknown> => {
  if (Array.isArray(value)) return value
  throw new Error(`unexpected reply for ${what}: expected an array, got ${value === null ? "null" : typeof value}`)
}

/**
 * A script's reply as `Reply`: Buffers become strings, arrays are converted
 * recursively. ioredis puts a nested error reply inside arrays as an Error
 * object; that is thrown so the caller maps it to `StreamUnavailable`.
 */
export const toReply = (value: unknown): Reply => {
  if (value === null || value === undefined) return null
  if (typeof value === "number" || typeof value === "string") return value
  if (isBytes(value)) return new TextDecoder().decode(value)
  if (value instanceof Error) throw value
  if (Array.isArray(value)) return value.map(toReply)
  // RESP2 never produces anything else; RESP3 booleans/doubles would, so keep them meaningful.
  if (typeof value === "boolean") return value ? 1 : null
  if (typeof value === "bigint") return String(value)
  throw new Error(`unexpected script reply of type ${typeof value}`)
}

/** A flat `[k1, v1, k2, v2, …]` array as a record (stream fields, HGETALL, XINFO maps). */
export const pairsToRecord = (value: unknown, what: string): Record<string, unknown> => {
  const flat = asArray(value, what)
  const record: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) record[asText(flat[i], what)] = flat[i + 1]
  return record
}

const toFields = (value: unknown): Fields => {
  const flat = asArray(value, "stream entry fields")
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[asText(flat[i], "field name")] = asText(flat[i + 1], "field value")
  return fields
}

/**
 * Entries from XRANGE / XREVRANGE / XCLAIM: `[[id, [f, v, …]], …]`. An entry
 * whose fields are nil (deleted while pending, as XCLAIM reports it on Redis 6)
 * is skipped: there is nothing left to deliver.
 */
export const toEntries = (value: unknown): Array<StreamEntry> => {
  if (value === null || value === undefined) return []
  const entries: Array<StreamEntry> = []
  for (const raw of asArray(value, "stream entries")) {
    if (raw === null) continue
    const [id, fields] = asArray(raw, "stream entry")
    if (fields === null || fields === undefined) continue
    entries.push({ id: asText(id, "entry id"), fields: toFields(fields) })
  }
  return entries
}

/** Entries of the first (only) stream in an XREAD / XREADGROUP reply: `[[key, entries]]`, or null on timeout. */
export const toReadEntries = (value: unknown): Array<StreamEntry> => {
  if (value === null || value === undefined) return []
  const streams = asArray(value, "stream read")
  if (streams.length === 0) return []
  const [, entries] = asArray(streams[0], "stream read")
  return toEntries(entries)
}
