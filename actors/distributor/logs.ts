/**
 * @module distributor/logs — `GET /logs` (seeds 000 and 002): the most recent
 * events, newest last, as JSON, plain lines or CSV; `sample=N` picks N random
 * recent ones (seed 000's "3 random logs"). While the default IO gate is
 * awaiting input, the JSON answer says `"status":"waiting"` with the gate's
 * prompt (seed 000), read from the gate's hash in the broker.
 */
import { Effect, Either } from "effect"
import type { Context } from "hono"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { InvalidPayload } from "../../src/errors.ts"
import type { AppEnv } from "../../src/http/routes.ts"
import { fromFields, parseLevel, type LogRecord } from "../collector/event.ts"
import { matches, recordJson, type Filters } from "./fanout.ts"

const FORMATS = ["json", "plain", "csv"] as const
type Format = (typeof FORMATS)[number]
/** How far back a filtered or sampled query looks. */
const SCAN_MAX = 10_000

const bad = (path: string, message: string) => new InvalidPayload({ message: `invalid query: ${path}: ${message}`, issues: [{ path, message }] })

const intParam = (value: string | undefined, name: string, fallback: number, max: number) =>
  value === undefined || value === ""
    ? Either.right(fallback)
    : /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= max
      ? Either.right(Number(value))
      : Either.left(bad(name, `must be an integer from 1 to ${max}`))

/** `?source=a,b&level=warn&q=text` → filters (shared with /subscribe); Left names the bad parameter. */
export const parseFilters = (query: (name: string) => string | undefined): Either.Either<Filters, InvalidPayload> => {
  const source = query("source")
  const level = query("level")
  const q = query("q")
  const minLevel = level === undefined || level === "" ? null : parseLevel(level)
  if (minLevel === undefined) return Either.left(bad("level", "must be DEBUG, INFO, WARN, ERROR or FATAL (WARNING, CRITICAL accepted)"))
  return Either.right({
    sources: source === undefined || source === "" ? null : source.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    minLevel,
    q: q === undefined || q === "" ? null : q.toLowerCase()
  })
}

const csvCell = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

const render = (c: Context<AppEnv>, format: Format, records: ReadonlyArray<LogRecord>, head: Record<string, unknown>) => {
  if (format === "plain") {
    const lines = records.map((r) => `[${new Date(r.ts_unix_ms).toISOString()}] ${r.level} ${r.source}: ${r.message.replace(/\r?\n/g, " ")}`)
    return c.text(lines.join("\n") + (lines.length > 0 ? "\n" : ""), 200, { "x-log-status": String(head.status) })
  }
  if (format === "csv") {
    const rows = records.map((r) =>
      [r.id, new Date(r.ts_unix_ms).toISOString(), r.source, r.level, r.message, r.metadata === undefined ? "" : JSON.stringify(r.metadata)]
        .map(csvCell).join(","))
    return c.body(["id,timestamp,source,level,message,metadata", ...rows].join("\r\n") + "\r\n", 200, {
      "content-type": "text/csv; charset=utf-8",
      "x-log-status": String(head.status)
    })
  }
  return c.json({ ...head, count: records.length, logs: records.map(recordJson) })
}

/** Pick `n` distinct random items, kept in their original (stream) order. */
const sample = <A>(items: ReadonlyArray<A>, n: number): Array<A> => {
  const indexes = items.map((_, i) => i)
  for (let i = indexes.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[indexes[i], indexes[j]] = [indexes[j], indexes[i]]
  }
  return indexes.slice(0, n).sort((a, b) => a - b).map((i) => items[i])
}

/** The handler's Effect. */
export const getLogs = (c: Context<AppEnv>, config: AppConfigShape) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    const query = (name: string) => c.req.query(name)
    const limit = yield* intParam(query("limit"), "limit", 50, 1000)
    const sampleSize = query("sample") === undefined ? null : yield* intParam(query("sample"), "sample", 3, 1000)
    const format = (query("format") ?? "json").toLowerCase()
    if (!(FORMATS as ReadonlyArray<string>).includes(format)) return yield* bad("format", "must be json, plain or csv")
    const filters = yield* parseFilters(query)
    const filtered = filters.sources !== null || filters.minLevel !== null || filters.q !== null
    const want = sampleSize ?? limit
    const scan = sampleSize !== null ? Math.min(SCAN_MAX, Math.max(1000, want * 10)) : filtered ? Math.min(SCAN_MAX, want * 20) : want
    const stream = keys(config.keyPrefix).stream(config.streamName)
    const entries = yield* broker.latest(stream, scan)
    const records: Array<LogRecord> = []
    for (const entry of entries) {
      const decoded = fromFields(entry.id, entry.fields)
      if (Either.isRight(decoded) && matches(filters, decoded.right)) records.push(decoded.right)
    }
    const chosen = sampleSize !== null ? sample(records, sampleSize) : records.slice(Math.max(0, records.length - limit))
    // The gate is another actor's state; if it can't be read, the logs are still worth answering with.
    const gate = yield* broker.hashGet(keys(config.keyPrefix).gate("default")).pipe(Effect.either)
    const io = Either.isRight(gate) && gate.right !== null && gate.right.state === "awaiting" ? gate.right : null
    const head = io === null
      ? { status: "ok" }
      : { status: "waiting", io: { state: io.state, prompt: io.prompt ?? null, started_at: io.started_at ?? null } }
    return render(c, format as Format, chosen, head)
  })
