/**
 * @module Script — an atomic multi-key operation, written twice: once in Lua for
 * Redis and once in TypeScript for the embedded broker. Both receive the same
 * KEYS/ARGV and must return the same reply; the broker contract suite checks it.
 */

/** What Redis can return from a script (Lua true → 1, false/nil → null). */
export type Reply = number | string | null | ReadonlyArray<Reply>

/** Fields of one stream entry. */
export type Fields = Readonly<Record<string, string>>

/**
 * The embedded broker's data model, a synchronous subset of Redis commands with
 * Redis semantics (empty collections disappear, TTLs expire lazily). A script's
 * `embedded` body runs against it without yielding, which makes it atomic.
 */
export interface EmbeddedStore {
  readonly now: () => number
  get(key: string): string | null
  set(key: string, value: string, options?: { readonly pxMs?: number; readonly nx?: boolean }): boolean
  del(...keys: ReadonlyArray<string>): number
  exists(key: string): boolean
  incrBy(key: string, by: number): number
  pexpire(key: string, ms: number): boolean
  /** Expire at `atMs` on the store's clock (PEXPIREAT). */
  pexpireAt(key: string, atMs: number): boolean
  /** -2 missing, -1 no TTL, else ms left. */
  pttl(key: string): number
  hget(key: string, field: string): string | null
  hset(key: string, fields: Readonly<Record<string, string>>): number
  hgetall(key: string): Record<string, string>
  hdel(key: string, ...fields: ReadonlyArray<string>): number
  hincrBy(key: string, field: string, by: number): number
  lpush(key: string, ...values: ReadonlyArray<string>): number
  rpush(key: string, ...values: ReadonlyArray<string>): number
  lpop(key: string): string | null
  rpop(key: string): string | null
  /** LREM semantics: count > 0 from head, < 0 from tail, 0 all. */
  lrem(key: string, count: number, value: string): number
  /** Keep only elements start..stop (inclusive, negative from the end), as LTRIM. */
  ltrim(key: string, start: number, stop: number): void
  lrange(key: string, start: number, stop: number): Array<string>
  llen(key: string): number
  lmove(source: string, destination: string, from: "LEFT" | "RIGHT", to: "LEFT" | "RIGHT"): string | null
  zadd(key: string, score: number, member: string): number
  zrem(key: string, ...members: ReadonlyArray<string>): number
  zscore(key: string, member: string): number | null
  /** Members with min <= score <= max, ascending, at most `limit`. */
  zrangeByScore(key: string, min: number, max: number, limit?: number): Array<string>
  zcard(key: string): number
  sadd(key: string, ...members: ReadonlyArray<string>): number
  srem(key: string, ...members: ReadonlyArray<string>): number
  smembers(key: string): Array<string>
  xadd(key: string, fields: Fields, maxLen?: number): string
  xlen(key: string): number
}

/** A typed atomic operation. `numberOfKeys` is checked against the highest KEYS[n] in `lua` by a unit test. */
export interface Script {
  readonly name: string
  readonly numberOfKeys: number
  readonly lua: string
  readonly embedded: (store: EmbeddedStore, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>) => Reply
}
