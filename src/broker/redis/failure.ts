/** @module broker/redis/failure — every ioredis rejection becomes a `StreamUnavailable` naming the operation. */
import type { Effect } from "effect"
import { StreamUnavailable } from "../../errors.ts"
import { promiseWithLeafSpan } from "../../telemetry/leaf.ts"

/** The first line of whatever was thrown: ioredis errors carry stacks and sometimes the command's arguments. */
export const reasonOf = (cause: unknown): string => {
  const text = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : String(cause)
  const line = text.split("\n")[0].trim()
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

/** Wait before reconnect attempt `times` (1, 2, …): 100 ms doubling to 2 s — the command connection's and the raw pipe's. */
export const reconnectDelayMs = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), 2000)

/** A `StreamUnavailable` for `operation` against `address` (credentials are never part of `address`). */
export const unavailable = (address: string, operation: string, cause: unknown): StreamUnavailable =>
  new StreamUnavailable({ message: `redis ${address}: ${operation} failed: ${reasonOf(cause)}` })

/** Runs ioredis calls and maps any rejection (or synchronous throw) to `StreamUnavailable`. */
export interface Attempt {
  <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, StreamUnavailable>
}

/**
 * Build the `attempt` helper for one address. Each call gets a span named
 * `broker.<operation>`, so traces show broker time without per-method wiring.
 */
export const makeAttempt = (address: string): Attempt => (operation, run) =>
  // Every broker call runs here: a leaf span ended from the promise (see telemetry/leaf).
  promiseWithLeafSpan(`broker.${operation}`, REDIS, run, (cause) => unavailable(address, operation, cause))

const REDIS = { "db.system": "redis" }

/**
 * Pipeline results are `[error, value]` pairs; ioredis resolves `exec()` even
 * when single commands failed, so each error must be surfaced by hand.
 * A null result means the MULTI was discarded (EXECABORT) — also a failure.
 */
export const pipelineValues = (
  results: ReadonlyArray<[Error | null, unknown]> | null
): Array<unknown> => {
  if (results === null) throw new Error("transaction discarded")
  return results.map(([error, value]) => {
    if (error) throw error
    return value
  })
}
