/**
 * @module memory/store — the embedded broker's commands: a synchronous subset of
 * Redis (strings, hashes, lists, sorted sets, sets, streams) over `Keyspace`.
 * Scripts' `embedded` bodies run against it; nothing here yields, so a script
 * is atomic.
 */
import type { EmbeddedStore, Fields } from "../Script.ts"
import { Deque } from "./deque.ts"
import { Keyspace } from "./keyspace.ts"
import { Stream } from "./stream.ts"

const notInteger = () => new Error("ERR value is not an integer or out of range")

const integer = (text: string | null | undefined): number => {
  const value = text == null ? 0 : Number(text)
  if (!Number.isSafeInteger(value)) throw notInteger()
  return value
}

/** Ascending by score, ties by member, as Redis orders a sorted set. */
const byScore = (a: readonly [string, number], b: readonly [string, number]) =>
  a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/** The in-process keyspace. `touched` hears every key a list push or stream append wrote, to wake blocked readers. */
export class MemoryStore extends Keyspace implements EmbeddedStore {
  private readonly touched: (key: string) => void

  constructor(now: () => number = Date.now, touched: (key: string) => void = () => {}) {
    super(now)
    this.touched = touched
  }

  // ── keys and strings ───────────────────────────────────────────────────────
  get(key: string): string | null {
    return this.read(key, "string")?.value ?? null
  }

  set(key: string, value: string, options?: { readonly pxMs?: number; readonly nx?: boolean }): boolean {
    if (options?.nx && this.live(key) !== undefined) return false
    this.slots.set(key, { kind: "string", data: { value: String(value) } })
    // Plain SET clears an old TTL (no KEEPTTL).
    this.expires.delete(key)
    if (options?.pxMs !== undefined) this.expires.set(key, this.now() + options.pxMs)
    return true
  }

  del(...keys: ReadonlyArray<string>): number {
    return keys.filter((key) => this.live(key) !== undefined && this.drop(key)).length
  }

  exists(key: string): boolean {
    return this.live(key) !== undefined
  }

  incrBy(key: string, by: number): number {
    const slot = this.write(key, "string", () => ({ value: "0" }))
    slot.value = String(integer(slot.value) + by)
    return Number(slot.value)
  }

  pexpire(key: string, ms: number): boolean {
    return this.pexpireAt(key, this.now() + ms)
  }

  pexpireAt(key: string, atMs: number): boolean {
    if (this.live(key) === undefined) return false
    if (atMs <= this.now()) this.drop(key)
    else this.expires.set(key, atMs)
    return true
  }

  pttl(key: string): number {
    if (this.live(key) === undefined) return -2
    const at = this.expires.get(key)
    return at === undefined ? -1 : Math.max(0, at - this.now())
  }

  // ── hashes ─────────────────────────────────────────────────────────────────
  hget(key: string, field: string): string | null {
    return this.read(key, "hash")?.get(field) ?? null
  }

  hset(key: string, fields: Readonly<Record<string, string>>): number {
    const hash = this.write(key, "hash", () => new Map())
    let added = 0
    for (const [field, value] of Object.entries(fields)) {
      if (!hash.has(field)) added++
      hash.set(field, String(value))
    }
    this.prune(key, hash.size)
    return added
  }

  hgetall(key: string): Record<string, string> {
    return Object.fromEntries(this.read(key, "hash") ?? [])
  }

  hdel(key: string, ...fields: ReadonlyArray<string>): number {
    const hash = this.read(key, "hash")
    if (!hash) return 0
    const removed = fields.filter((field) => hash.delete(field)).length
    this.prune(key, hash.size)
    return removed
  }

  hincrBy(key: string, field: string, by: number): number {
    const hash = this.write(key, "hash", () => new Map())
    const value = integer(hash.get(field)) + by
    hash.set(field, String(value))
    return value
  }

  // ── lists (left = head, as LRANGE counts) ─────────────────────────────────
  lpush(key: string, ...values: ReadonlyArray<string>): number {
    const list = this.write(key, "list", () => new Deque())
    for (const value of values) list.pushLeft(String(value))
    this.prune(key, list.length)
    this.touched(key)
    return list.length
  }

  rpush(key: string, ...values: ReadonlyArray<string>): number {
    const list = this.write(key, "list", () => new Deque())
    for (const value of values) list.pushRight(String(value))
    this.prune(key, list.length)
    this.touched(key)
    return list.length
  }

  lpop(key: string): string | null {
    return this.pop(key, "LEFT")
  }

  rpop(key: string): string | null {
    return this.pop(key, "RIGHT")
  }

  private pop(key: string, end: "LEFT" | "RIGHT"): string | null {
    const list = this.read(key, "list")
    if (!list) return null
    const value = end === "LEFT" ? list.popLeft() : list.popRight()
    this.prune(key, list.length)
    return value ?? null
  }

  lrem(key: string, count: number, value: string): number {
    const list = this.read(key, "list")
    if (!list) return 0
    const limit = count === 0 ? Infinity : Math.abs(count)
    const values = list.slice(0, list.length)
    const order = count < 0 ? values.map((_, i) => values.length - 1 - i) : values.map((_, i) => i)
    const doomed = new Set<number>()
    for (const i of order) {
      if (doomed.size >= limit) break
      if (values[i] === value) doomed.add(i)
    }
    if (doomed.size > 0) list.replace(values.filter((_, i) => !doomed.has(i)))
    this.prune(key, list.length)
    return doomed.size
  }

  lrange(key: string, start: number, stop: number): Array<string> {
    const list = this.read(key, "list")
    if (!list) return []
    const length = list.length
    const from = Math.max(0, start < 0 ? length + start : start)
    const to = Math.min(length - 1, stop < 0 ? length + stop : stop)
    return from > to ? [] : list.slice(from, to + 1)
  }

  ltrim(key: string, start: number, stop: number): void {
    const list = this.read(key, "list")
    if (!list) return
    const kept = this.lrange(key, start, stop)
    if (kept.length !== list.length) list.replace(kept)
    this.prune(key, list.length)
  }

  llen(key: string): number {
    return this.read(key, "list")?.length ?? 0
  }

  lmove(source: string, destination: string, from: "LEFT" | "RIGHT", to: "LEFT" | "RIGHT"): string | null {
    // Check the destination's type before popping, so a WRONGTYPE loses nothing (Redis checks first too).
    if (this.live(destination) !== undefined) this.read(destination, "list")
    const value = this.pop(source, from)
    if (value === null) return null
    if (to === "LEFT") this.lpush(destination, value)
    else this.rpush(destination, value)
    return value
  }

  // ── sorted sets (sorted on read: the embedded broker's sets are small) ────
  zadd(key: string, score: number, member: string): number {
    const zset = this.write(key, "zset", () => new Map())
    const added = zset.has(member) ? 0 : 1
    zset.set(String(member), Number(score))
    return added
  }

  zrem(key: string, ...members: ReadonlyArray<string>): number {
    const zset = this.read(key, "zset")
    if (!zset) return 0
    const removed = members.filter((member) => zset.delete(member)).length
    this.prune(key, zset.size)
    return removed
  }

  zscore(key: string, member: string): number | null {
    return this.read(key, "zset")?.get(member) ?? null
  }

  zrangeByScore(key: string, min: number, max: number, limit?: number): Array<string> {
    const sorted = [...(this.read(key, "zset") ?? [])].sort(byScore)
    const inRange = sorted.filter(([, score]) => score >= min && score <= max).map(([member]) => member)
    return limit === undefined ? inRange : inRange.slice(0, Math.max(0, limit))
  }

  /** ZREVRANGE: descending score, ties by descending member. */
  zrevrange(key: string, start: number, stop: number): Array<string> {
    const sorted = [...(this.read(key, "zset") ?? [])].sort(byScore).reverse()
    return sorted.slice(start, stop + 1).map(([member]) => member)
  }

  zcard(key: string): number {
    return this.read(key, "zset")?.size ?? 0
  }

  // ── sets ───────────────────────────────────────────────────────────────────
  sadd(key: string, ...members: ReadonlyArray<string>): number {
    const set = this.write(key, "set", () => new Set())
    const added = members.filter((member) => !set.has(member) && set.add(String(member))).length
    this.prune(key, set.size)
    return added
  }

  srem(key: string, ...members: ReadonlyArray<string>): number {
    const set = this.read(key, "set")
    if (!set) return 0
    const removed = members.filter((member) => set.delete(member)).length
    this.prune(key, set.size)
    return removed
  }

  smembers(key: string): Array<string> {
    return [...(this.read(key, "set") ?? [])]
  }

  // ── streams (an empty stream stays, as in Redis) ──────────────────────────
  xadd(key: string, fields: Fields, maxLen?: number): string {
    // Redis refuses an entry without fields; refusing here too keeps the backends alike.
    if (Object.keys(fields).length === 0) throw new Error("ERR wrong number of arguments for 'xadd' command")
    const entry = this.write(key, "stream", () => new Stream()).append(this.now(), fields, maxLen)
    this.touched(key)
    return entry.id
  }

  xlen(key: string): number {
    return this.read(key, "stream")?.length ?? 0
  }

  /** The stream at `key`, if any (for group and range operations). */
  stream(key: string): Stream | undefined {
    return this.read(key, "stream")
  }

  /** The stream at `key`, created empty if missing (XGROUP CREATE … MKSTREAM). */
  streamForWrite(key: string): Stream {
    return this.write(key, "stream", () => new Stream())
  }
}
