/**
 * @module random — random ids for hot paths: trace/span ids (hex) and task
 * ids (UUID v4 text).
 *
 * Both come from one pooled CSPRNG draw (a 4 KiB `getRandomValues` serves
 * hundreds of ids) and each id is made by ONE `String.fromCharCode` over a
 * reused buffer of character codes. Appending two digits per byte makes a
 * chain of intermediate strings per id, and `crypto.randomUUID` allocated
 * ≈ 580 bytes per call (sampling heap profiler, bulk enqueue: a quarter of
 * everything a queued task allocated) where the finished id is ≈ 50.
 */

/** Hex digit → its character code. */
const DIGITS = Array.from("0123456789abcdef", (c) => c.charCodeAt(0))
const DASH = "-".charCodeAt(0)
/** Random bytes, refilled 4 KiB at a time. */
const pool = new Uint8Array(4096)
let poolAt = pool.length

/** The next `count` pool bytes start at the returned index. */
const draw = (count: number): number => {
  if (poolAt + count > pool.length) {
    crypto.getRandomValues(pool)
    poolAt = 0
  }
  const at = poolAt
  poolAt += count
  return at
}

/** Reused character-code buffers, one per hex id length. */
const hexScratch = new Map<number, Array<number>>()

/**
 * `length` random hex digits (even), for trace and span ids. Never all zeros
 * (an invalid W3C id): a zero draw is retried.
 */
export const randomHex = (length: number): string => {
  const bytes = length / 2
  let codes = hexScratch.get(length)
  if (codes === undefined) {
    codes = new Array<number>(length).fill(0)
    hexScratch.set(length, codes)
  }
  for (;;) {
    const at = draw(bytes)
    let any = 0
    for (let i = 0; i < bytes; i++) {
      const b = pool[at + i]
      any |= b
      codes[2 * i] = DIGITS[b >> 4]
      codes[2 * i + 1] = DIGITS[b & 15]
    }
    if (any !== 0) return String.fromCharCode.apply(null, codes)
  }
}

/** Where each of the 16 bytes' two digits start in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (the dashes stay put). */
const UUID_BYTE_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]
const uuidCodes = new Array<number>(36).fill(DASH)

/**
 * A random (version 4, RFC 9562) UUID in its 36-character text form, as
 * `crypto.randomUUID` makes: 122 random bits, the version nibble `4` and the
 * variant bits `10`.
 */
export const randomUuid = (): string => {
  const at = draw(16)
  for (let i = 0; i < 16; i++) {
    let b = pool[at + i]
    if (i === 6) b = (b & 0x0f) | 0x40
    else if (i === 8) b = (b & 0x3f) | 0x80
    const c = UUID_BYTE_AT[i]
    uuidCodes[c] = DIGITS[b >> 4]
    uuidCodes[c + 1] = DIGITS[b & 15]
  }
  return String.fromCharCode.apply(null, uuidCodes)
}
