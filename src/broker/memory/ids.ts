/** @module memory/ids — stream entry ids (`<ms>-<seq>`) as Redis parses, orders and prints them. */

/** A parsed stream id. Both parts stay below 2^53, which `Date.now()` ms and per-ms counters never reach. */
export interface Id {
  readonly ms: number
  readonly seq: number
}

/** The id every real entry is greater than (`0-0`). */
export const zeroId: Id = { ms: 0, seq: 0 }

const idPattern = /^(\d+)(?:-(\d+))?$/

/**
 * Parse `<ms>-<seq>` or `<ms>` (seq 0, as Redis reads an incomplete id used as
 * a start bound). Throws Redis's own error text so both backends fail alike.
 */
export const parseId = (text: string): Id => {
  const match = idPattern.exec(text)
  if (!match) throw new Error("ERR Invalid stream ID specified as stream command argument")
  return { ms: Number(match[1]), seq: match[2] === undefined ? 0 : Number(match[2]) }
}

export const formatId = (id: Id): string => `${id.ms}-${id.seq}`

/** Negative, zero or positive, like a sort comparator. */
export const compareIds = (a: Id, b: Id): number => a.ms - b.ms || a.seq - b.seq

/**
 * The id XADD `*` gives the next entry: the clock's ms, but never behind the
 * last id (a clock that steps back reuses the last ms and bumps the sequence).
 */
export const nextId = (last: Id, nowMs: number): Id =>
  nowMs > last.ms ? { ms: nowMs, seq: 0 } : { ms: last.ms, seq: last.seq + 1 }
