/**
 * @module generator/prng — a small seeded pseudo-random generator, so the same
 * `GENERATOR_SEED` gives the same event sequence on every run and runtime.
 * mulberry32 (32-bit state) seeded by an FNV-1a hash of the seed text: not for
 * secrets, only for reproducible simulations.
 */

/** A seeded source of numbers in [0, 1) with a few helpers. */
export interface Prng {
  /** Uniform in [0, 1). */
  readonly next: () => number
  /** Integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  /** true with probability p. */
  readonly chance: (p: number) => boolean
  /** One element of a non-empty list. */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** `length` lowercase hex characters. */
  readonly hex: (length: number) => string
  /** A positive value around `median` with a long right tail (log-normal, sigma ≈ `spread`). */
  readonly around: (median: number, spread: number) => number
}

/** FNV-1a over the UTF-16 code units of `text`. */
export const hashSeed = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A generator for `seed`; with no seed, one seeded from Math.random (not reproducible). */
export const makePrng = (seed?: string): Prng => {
  let state = seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : hashSeed(seed)
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    hex: (length) => {
      let out = ""
      while (out.length < length) out += Math.floor(next() * 16).toString(16)
      return out
    },
    around: (median, spread) => {
      // Box–Muller: a standard normal from two uniforms (1 - u keeps log away from 0).
      const u = 1 - next()
      const v = next()
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
      return median * Math.exp(spread * z)
    }
  }
}
