/**
 * @module generator/sink — where emitted events go: the rotating file, the
 * console, and the collector's stream (through the broker, with the fields
 * the collector writes). A failed append is retried with a growing pause —
 * the generator slows down instead of dropping — and `sent` counts only
 * events the broker acknowledged.
 */
import { Effect, Schedule } from "effect"
import process from "node:process"
import { Broker, type Fields } from "../../src/broker/Broker.ts"
import type { AppConfigShape } from "../../src/config.ts"
import { csvHeader, type Emitted, formatLine, type OutputFormat, streamFields } from "./output.ts"
import { RotatingFile } from "./rotating-file.ts"

/** Entries per broker append: one round trip each. */
export const APPEND_BATCH = 1000

export interface SinkStats {
  produced: number
  sent: number
  appendFailures: number
  fileErrors: number
  lastError: string | null
  /** Appends waiting on a retry right now (backpressure visible in GET /generator). */
  retrying: boolean
}

/** Backoff while the broker refuses: 50 ms doubling, at most 2 s apart, jittered; retries until it works or we are interrupted. */
const backoff = Schedule.exponential("50 millis", 2).pipe(Schedule.union(Schedule.spaced("2 seconds")), Schedule.jittered)

export const makeSink = (config: AppConfigShape, format: () => OutputFormat) => {
  const stats: SinkStats = { produced: 0, sent: 0, appendFailures: 0, fileErrors: 0, lastError: null, retrying: false }
  const file = new RotatingFile({
    path: config.logFile,
    maxBytes: config.logMaxBytes,
    backups: config.logBackups,
    header: () => (format() === "csv" ? csvHeader() : null)
  })
  const source = `generator:${config.instanceId}`
  let consoleFormat: OutputFormat | null = null

  const writeLocal = (events: ReadonlyArray<Emitted>) =>
    Effect.sync(() => {
      const lines = events.map((e) => formatLine(format(), config.logFormat, e, process.pid))
      try {
        file.writeLines(lines)
      } catch (error) {
        // The stream still gets the events; the file problem is counted and shown, not fatal.
        stats.fileErrors++
        stats.lastError = `log file: ${error instanceof Error ? error.message : String(error)}`
      }
      if (config.generatorConsole) {
        // The console is one long "file": a CSV header each time the console switches to CSV.
        const header = format() === "csv" && consoleFormat !== "csv" ? csvHeader() : ""
        consoleFormat = format()
        process.stdout.write(header + lines.join(""))
      }
    })

  const appendChunk = (broker: typeof Broker.Service, chunk: ReadonlyArray<Fields>) =>
    broker.append(config.streamName, chunk, { maxLen: config.trimMaxLen }).pipe(
      Effect.tapError((e) =>
        Effect.sync(() => {
          stats.appendFailures++
          stats.retrying = true
          stats.lastError = `append: ${e.message}`
        })
      ),
      Effect.retry(backoff),
      Effect.tap(() =>
        Effect.sync(() => {
          stats.sent += chunk.length
          stats.retrying = false
        })
      )
    )

  /** Write events everywhere; resolves once the broker holds all of them. Returns how many were appended. */
  const emit = (events: ReadonlyArray<Emitted>) =>
    Effect.gen(function*() {
      if (events.length === 0) return 0
      stats.produced += events.length
      yield* writeLocal(events)
      const broker = yield* Broker
      const fields = events.map((e) => streamFields(e, source))
      for (let i = 0; i < fields.length; i += APPEND_BATCH) yield* appendChunk(broker, fields.slice(i, i + APPEND_BATCH))
      return events.length
    })

  return { stats, file, emit }
}

export type Sink = ReturnType<typeof makeSink>
