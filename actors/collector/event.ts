/**
 * @module collector/event — the log event: its Effect Schema at the HTTP edge,
 * and its wire form as stream fields. The distributor decodes the same fields
 * with `fromFields`, so the stream format is defined in exactly one place.
 */
import { Either, ParseResult, Schema } from "effect"
import type { Fields } from "../../src/broker/Broker.ts"
import { wellFormed } from "../../src/broker/wellFormed.ts"

/** Levels in increasing severity; `minimum level` filters compare ranks. */
export const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const
export type Level = (typeof LEVELS)[number]

/** Python logging's names (seed 002) map onto ours. */
const ALIASES: Record<string, Level> = { WARNING: "WARN", CRITICAL: "FATAL" }

/** `info`, `Warning`, `CRITICAL` → canonical level, or undefined. */
export const parseLevel = (text: string): Level | undefined => {
  const upper = text.trim().toUpperCase()
  return (LEVELS as ReadonlyArray<string>).includes(upper) ? (upper as Level) : ALIASES[upper]
}

/** 0 for DEBUG … 4 for FATAL. */
export const levelRank = (level: Level): number => LEVELS.indexOf(level)

/** A level name, case-insensitive, with WARNING/CRITICAL accepted as aliases. */
export const LevelSchema = Schema.transformOrFail(Schema.String, Schema.Literal(...LEVELS), {
  strict: true,
  decode: (text, _, ast) => {
    const level = parseLevel(text)
    return level === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, text, `expected one of ${LEVELS.join(", ")} (or WARNING, CRITICAL), got ${JSON.stringify(text.slice(0, 40))}`))
      : ParseResult.succeed(level)
  },
  encode: ParseResult.succeed
})

/** Metadata is flat: string, number or boolean values only, so it stays indexable and cheap to filter. */
export const MetadataSchema = Schema.Record({
  key: Schema.String,
  value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean).annotations({
    message: () => "metadata values must be a string, number or boolean (no nested objects or arrays)"
  })
})

/** One log event as POST /ingest accepts it (seed 003's body). */
export const LogEventSchema = Schema.Struct({
  source: Schema.String.pipe(Schema.minLength(1, { message: () => "source must be a non-empty string" }), Schema.maxLength(256)),
  level: LevelSchema,
  message: Schema.String,
  ts_unix_ms: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 8.64e15)), { default: () => Date.now() }),
  metadata: Schema.optional(MetadataSchema)
})
export type LogEvent = typeof LogEventSchema.Type

/**
 * The common case without the Schema machinery (≈10× cheaper per event): a
 * well-formed event decodes to exactly what `LogEventSchema` would give;
 * anything unusual returns undefined and goes through the Schema, which then
 * names the problem. Metadata must have been checked (`checkMetadata`) first.
 */
export const fastDecode = (value: Record<string, unknown>, now: number): LogEvent | undefined => {
  const { source, level, message, ts_unix_ms: ts, metadata } = value
  if (typeof source !== "string" || source.length < 1 || source.length > 256) return undefined
  if (typeof message !== "string" || typeof level !== "string") return undefined
  const canonical = parseLevel(level)
  if (canonical === undefined) return undefined
  if (ts !== undefined && !(typeof ts === "number" && Number.isInteger(ts) && ts >= 0 && ts <= 8.64e15)) return undefined
  if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) return undefined
  return {
    source,
    level: canonical,
    message,
    ts_unix_ms: ts === undefined ? now : ts,
    ...(metadata === undefined ? {} : { metadata: metadata as Record<string, string | number | boolean> })
  }
}

/** An event as read back from the stream. */
export interface LogRecord {
  readonly id: string
  readonly source: string
  readonly level: Level
  readonly message: string
  readonly ts_unix_ms: number
  readonly metadata?: Readonly<Record<string, string | number | boolean>>
  readonly traceparent?: string
}

/** The stream fields of one event; `traceparent` links the write to the request's trace. */
export const toFields = (event: LogEvent, traceparent?: string): Fields => {
  const fields: Record<string, string> = {
    source: wellFormed(event.source),
    level: event.level,
    message: wellFormed(event.message),
    ts: String(event.ts_unix_ms)
  }
  if (event.metadata !== undefined) fields.metadata = JSON.stringify(event.metadata)
  if (traceparent !== undefined) fields.traceparent = traceparent
  return fields
}

/**
 * Decode an entry's fields. Entries written by someone else (`XADD logs * foo bar`)
 * fail with the reason; the durable sinks treat that as a poison entry.
 */
export const fromFields = (id: string, fields: Fields): Either.Either<LogRecord, string> => {
  const { source, message, ts, metadata, traceparent } = fields
  const level = fields.level === undefined ? undefined : parseLevel(fields.level)
  if (source === undefined || source === "") return Either.left("missing field source")
  if (level === undefined) return Either.left(`missing or unknown level ${JSON.stringify(fields.level ?? null)}`)
  if (message === undefined) return Either.left("missing field message")
  const tsNumber = ts === undefined ? Number(id.split("-")[0]) : Number(ts)
  if (!Number.isFinite(tsNumber)) return Either.left(`bad ts ${JSON.stringify(ts)}`)
  let meta: Record<string, string | number | boolean> | undefined
  if (metadata !== undefined) {
    try {
      const parsed: unknown = JSON.parse(metadata)
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return Either.left("metadata is not an object")
      meta = parsed as Record<string, string | number | boolean>
    } catch {
      return Either.left("metadata is not JSON")
    }
  }
  return Either.right({
    id, source, level, message, ts_unix_ms: tsNumber,
    ...(meta === undefined ? {} : { metadata: meta }),
    ...(traceparent === undefined ? {} : { traceparent })
  })
}
