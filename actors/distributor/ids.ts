/** @module distributor/ids — stream ids (`<ms>-<seq>`) compared as numbers, not text ("10-0" > "9-0"). */

/** A stream id: `<ms>-<seq>` or just `<ms>` (seq 0). */
export const STREAM_ID = /^\d{1,16}(-\d{1,16})?$/

const split = (id: string): [number, number] => {
  const dash = id.indexOf("-")
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))]
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export const compareIds = (a: string, b: string): number => {
  const [am, as] = split(a)
  const [bm, bs] = split(b)
  return am !== bm ? am - bm : as - bs
}

/** `1700000000000` → `1700000000000-0`. */
export const normalizeId = (id: string): string => (id.includes("-") ? id : `${id}-0`)
