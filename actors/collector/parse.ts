/**
 * @module collector/parse — turn an /ingest body into validated events, or the
 * one precise 4xx that says what is wrong with it: malformed JSON or NDJSON
 * (naming the line), an event over `MAX_MESSAGE_BYTES` (naming its index), or a
 * schema problem (naming index and field path). Pure: no I/O, never throws.
 */
import { Either, ParseResult, Schema } from "effect"
import { InvalidPayload, PayloadTooLarge, type Issue } from "../../src/errors.ts"
import { fastDecode, LogEventSchema, type LogEvent } from "./event.ts"

/** How the body is framed, from its Content-Type; null = unsupported. */
export type BodyKind = "json" | "ndjson" | "sniff"

const NDJSON_TYPES = new Set(["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines", "application/json-seq"])

/**
 * Missing Content-Type or text/plain (what `fetch` sends for a string body) is
 * sniffed: JSON if it parses as a whole, else NDJSON. Anything else that is not
 * JSON-ish (HTML, forms, multipart) is refused with 415.
 */
export const bodyKind = (contentType: string | undefined): BodyKind | null => {
  if (contentType === undefined || contentType.trim() === "") return "sniff"
  const type = contentType.split(";")[0].trim().toLowerCase()
  if (type === "text/plain") return "sniff"
  if (NDJSON_TYPES.has(type)) return "ndjson"
  if (type === "application/json" || type === "text/json" || /^application\/[\w.+-]*\+json$/.test(type)) return "json"
  return null
}

/** UTF-8 byte length without allocating (TextEncoder would copy the string). */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

const decodeEvent = Schema.decodeUnknownEither(LogEventSchema, { errors: "all", onExcessProperty: "ignore" })

const MAX_ISSUES = 20

type Failure = InvalidPayload | PayloadTooLarge

const malformed = (where: string, error: unknown): InvalidPayload =>
  new InvalidPayload({
    message: `${where} is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : "parse error"}`,
    issues: [{ path: where, message: "malformed JSON" }]
  })

/** Split and parse the raw values; sizes are checked here, where the raw text of each event is known. */
const rawEvents = (text: string, kind: BodyKind, maxEventBytes: number): Either.Either<{ values: Array<unknown>; single: boolean }, Failure> => {
  const tooLarge = (label: string, bytes: number) =>
    Either.left(new PayloadTooLarge({ message: `${label} is ${bytes} bytes, larger than MAX_MESSAGE_BYTES (${maxEventBytes})`, limit: maxEventBytes }))
  if (text.trim() === "") {
    return Either.left(new InvalidPayload({ message: "body is empty: send a JSON event, a JSON array of events, or NDJSON", issues: [{ path: "(root)", message: "empty body" }] }))
  }
  if (kind === "sniff") {
    const trimmed = text.trim()
    const multiline = trimmed.includes("\n")
    if (multiline && trimmed.startsWith("{")) {
      try {
        JSON.parse(trimmed)
      } catch {
        return rawEvents(text, "ndjson", maxEventBytes)
      }
    }
    return rawEvents(text, "json", maxEventBytes)
  }
  if (kind === "ndjson") {
    const values: Array<unknown> = []
    const lines = text.split("\n")
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim()
      if (line === "") continue
      const bytes = line.length * 3 > maxEventBytes ? utf8Length(line) : line.length
      if (bytes > maxEventBytes) return tooLarge(`event ${values.length} (line ${i + 1})`, bytes)
      try {
        values.push(JSON.parse(line))
      } catch (error) {
        return Either.left(malformed(`line ${i + 1}`, error))
      }
    }
    return Either.right({ values, single: false })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(malformed("body", error))
  }
  const single = !Array.isArray(parsed)
  const values: Array<unknown> = Array.isArray(parsed) ? parsed : [parsed]
  // A body within the limit cannot hold a larger event, so only big bodies pay for measuring.
  if (text.length * 3 > maxEventBytes && utf8Length(text) > maxEventBytes) {
    for (let i = 0; i < values.length; i++) {
      let bytes: number
      try {
        bytes = utf8Length(JSON.stringify(values[i]) ?? "")
      } catch {
        // Only a pathologically deep value makes stringify overflow the stack.
        return Either.left(new InvalidPayload({ message: `${single ? "the event" : `event ${i}`} is nested too deeply`, issues: [{ path: single ? "(root)" : `[${i}]`, message: "nested too deeply" }] }))
      }
      if (bytes > maxEventBytes) return tooLarge(single ? "the event" : `event ${i}`, bytes)
    }
  }
  return Either.right({ values, single })
}

const MAX_METADATA_KEYS = 64

/** Issues with a `metadata` value: it must be a flat object of string/number/boolean. */
const checkMetadata = (metadata: unknown, prefix: string): Array<Issue> => {
  const at = (key?: string) => [prefix, "metadata", key].filter((p) => p !== undefined && p !== "").join(".")
  if (metadata === undefined) return []
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    return [{ path: at(), message: "metadata must be an object of string, number or boolean values" }]
  }
  const entries = Object.entries(metadata)
  if (entries.length > MAX_METADATA_KEYS) return [{ path: at(), message: `metadata has ${entries.length} keys; at most ${MAX_METADATA_KEYS}` }]
  const issues: Array<Issue> = []
  for (const [key, v] of entries) {
    if (typeof v === "object" && v !== null) {
      issues.push({ path: at(key), message: `nested ${Array.isArray(v) ? "array" : "object"} not allowed: metadata values must be a string, number or boolean` })
    } else if (v === null || (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")) {
      issues.push({ path: at(key), message: "metadata values must be a string, number or boolean" })
    }
  }
  return issues
}

/** Parse and validate a body. Left is a 400 (InvalidPayload) or 413 (PayloadTooLarge). */
export const parseEvents = (text: string, kind: BodyKind, maxEventBytes: number): Either.Either<Array<LogEvent>, Failure> => {
  try {
    return parseUnsafe(text, kind, maxEventBytes)
  } catch (error) {
    // Nothing above should throw; if some input still finds a way, it is the client's input, not a 500.
    return Either.left(new InvalidPayload({ message: `could not read the events: ${error instanceof Error ? error.message.slice(0, 200) : "error"}`, issues: [] }))
  }
}

const parseUnsafe = (text: string, kind: BodyKind, maxEventBytes: number): Either.Either<Array<LogEvent>, Failure> =>
  Either.flatMap(rawEvents(text, kind, maxEventBytes), ({ values, single }) => {
    if (values.length === 0) {
      return Either.left(new InvalidPayload({ message: "no events in the body", issues: [{ path: "(root)", message: "empty batch" }] }))
    }
    const events: Array<LogEvent> = []
    const now = Date.now()
    const issues: Array<Issue> = []
    for (let i = 0; i < values.length && issues.length < MAX_ISSUES; i++) {
      const value = values[i]
      const prefix = single ? "" : `[${i}]`
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        issues.push({ path: prefix || "(root)", message: `an event must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}` })
        continue
      }
      // Metadata is checked by hand first: a nested value gets one clear issue naming its key,
      // and the schema never walks (or prints) an arbitrarily deep structure.
      const metadataIssues = checkMetadata((value as Record<string, unknown>).metadata, prefix)
      const fast = metadataIssues.length === 0 ? fastDecode(value as Record<string, unknown>, now) : undefined
      if (fast !== undefined) {
        events.push(fast)
        continue
      }
      const result = decodeEvent(metadataIssues.length > 0 ? { ...value, metadata: undefined } : value)
      issues.push(...metadataIssues)
      if (Either.isRight(result)) {
        if (metadataIssues.length === 0) events.push(result.right)
      } else {
        for (const issue of ParseResult.ArrayFormatter.formatErrorSync(result.left)) {
          const path = issue.path.map(String).join(".")
          issues.push({ path: prefix === "" ? path || "(root)" : path === "" ? prefix : `${prefix}.${path}`, message: issue.message.slice(0, 300) })
        }
      }
    }
    if (issues.length > 0) {
      const first = issues[0]
      return Either.left(new InvalidPayload({ message: `invalid event: ${first.path}: ${first.message}`, issues: issues.slice(0, MAX_ISSUES) }))
    }
    return Either.right(events)
  })
