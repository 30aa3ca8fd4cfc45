/**
 * @module generator/output — one event in each output form: a plain line
 * (`LOG_FORMAT`), a JSON line, a CSV row, and the collector's stream fields.
 * Every form goes through `publicFields`, the one place the session token is
 * masked, so no output can carry it in clear.
 */
import { parseLevel, toFields } from "../collector/event.ts"
import type { Fields } from "../../src/broker/Broker.ts"
import { csvRow } from "./csv.ts"
import { type FlowEvent, levelNo } from "./flows.ts"
import { asctime, formatLog } from "./format.ts"

export type OutputFormat = "plain" | "json" | "csv"

/** An event with what the emitter adds: its sequence number and time. */
export interface Emitted {
  readonly seq: number
  readonly ts: number
  readonly event: FlowEvent
}

/** `****` and the last 4 characters: enough to correlate, useless to replay. */
export const maskToken = (token: string): string => (token.length <= 4 ? "****" : `****${token.slice(-4)}`)

/** The event's custom fields as they may be shown anywhere: token masked. */
export const publicFields = (e: FlowEvent): Record<string, string | number> => {
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(e.fields)) if (v !== undefined && v !== "") out[k] = k === "session_token" ? maskToken(String(v)) : v
  return out
}

/** CSV columns: fixed, so every row of every file lines up with the header. */
export const CSV_COLUMNS = [
  "timestamp", "level", "logger", "message", "seq", "user_id", "session_id", "request_id", "session_token",
  "event", "path", "status", "latency_ms"
] as const

export const csvHeader = (): string => csvRow(CSV_COLUMNS)

const DISPLAY_KEYS = ["user_id", "session_id", "request_id", "session_token", "event", "status", "latency_ms"]

/** One line in `format` (with its newline). */
export const formatLine = (format: OutputFormat, logFormat: string, e: Emitted, pid: number): string => {
  const fields = publicFields(e.event)
  const iso = new Date(e.ts).toISOString()
  switch (format) {
    case "json":
      return `${JSON.stringify({ timestamp: iso, level: e.event.level, logger: e.event.logger, message: e.event.message, seq: e.seq, process: pid, ...fields })}\n`
    case "csv":
      return csvRow(CSV_COLUMNS.map((c) =>
        c === "timestamp" ? iso : c === "level" ? e.event.level : c === "logger" ? e.event.logger
          : c === "message" ? e.event.message : c === "seq" ? e.seq : fields[c]
      ))
    case "plain": {
      // The custom fields ride along as key=value after the message, so plain lines keep them too.
      const extras = DISPLAY_KEYS.filter((k) => fields[k] !== undefined).map((k) => `${k}=${fields[k]}`).join(" ")
      const record = {
        ...fields,
        asctime: asctime(e.ts), created: e.ts / 1000, msecs: e.ts % 1000, relativeCreated: 0,
        levelname: e.event.level, levelno: levelNo(e.event.level), name: e.event.logger,
        message: extras === "" ? e.event.message : `${e.event.message} ${extras}`,
        process: pid, processName: "MainProcess", thread: 0, threadName: "MainThread", seq: e.seq
      }
      return `${formatLog(logFormat, record).replace(/\r?\n/g, "\\n")}\n`
    }
  }
}

/** The stream entry the collector would have written for this event (same field names, via its `toFields`). */
export const streamFields = (e: Emitted, source: string): Fields =>
  toFields({
    source,
    level: parseLevel(e.event.level) ?? "INFO",
    message: e.event.message,
    ts_unix_ms: e.ts,
    metadata: { logger: e.event.logger, seq: e.seq, ...publicFields(e.event) }
  })
