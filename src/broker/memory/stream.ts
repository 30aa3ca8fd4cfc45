/**
 * @module memory/stream — one stream's entries (ordered by id) and its consumer
 * groups' bookkeeping. Group behaviour lives in `groups.ts`; this file only
 * stores and finds entries.
 */
import type { Fields } from "../Script.ts"
import { compareIds, formatId, nextId, type Id } from "./ids.ts"

/** A stored entry; `fields` is a frozen copy, so callers can't change history. */
export interface Entry extends Id {
  readonly id: string
  readonly fields: Fields
}

/** One entry of a group's pending entries list (PEL). */
export interface Pending {
  readonly id: Id
  consumer: string
  /** When it was last delivered (read or claimed): idle time counts from here. */
  deliveredAt: number
  deliveries: number
}

/** A consumer as XINFO CONSUMERS sees it. */
export interface Consumer {
  /** Last attempted interaction (read, claim), what Redis 7.0 reports as `idle`. */
  seenAt: number
}

/** A consumer group. */
export interface Group {
  lastDelivered: Id
  /** Keyed by the formatted id. Map order is id order: `>` reads only ever add ids above all earlier ones. */
  readonly pending: Map<string, Pending>
  readonly consumers: Map<string, Consumer>
}

/** The entries of one stream key, with the last id it ever issued (kept after trimming, as Redis does). */
export class Stream {
  /** Live entries are `entries[start..]`; trimming advances `start` and compacts now and then, so it stays O(1) amortised. */
  private entries: Array<Entry> = []
  private start = 0
  lastId: Id = { ms: 0, seq: 0 }
  readonly groups = new Map<string, Group>()

  get length(): number {
    return this.entries.length - this.start
  }

  first(): Entry | undefined {
    return this.entries[this.start]
  }

  last(): Entry | undefined {
    return this.length > 0 ? this.entries[this.entries.length - 1] : undefined
  }

  /** XADD `*`: a fresh id from the clock, then MAXLEN trimming (exact, which `~` allows). */
  append(nowMs: number, fields: Fields, maxLen?: number): Entry {
    const id = nextId(this.lastId, nowMs)
    const copy: Record<string, string> = {}
    for (const [name, value] of Object.entries(fields)) copy[name] = String(value)
    const entry: Entry = { ...id, id: formatId(id), fields: Object.freeze(copy) }
    this.entries.push(entry)
    this.lastId = id
    if (maxLen !== undefined) this.trim(maxLen)
    return entry
  }

  /** Keep at most `maxLen` newest entries. */
  trim(maxLen: number): void {
    const excess = this.length - Math.max(0, maxLen)
    if (excess <= 0) return
    this.start += excess
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start)
      this.start = 0
    }
  }

  /** Index (into `entries`) of the first entry with id strictly greater than `id`. */
  private indexAfter(id: Id): number {
    let low = this.start
    let high = this.entries.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (compareIds(this.entries[mid], id) <= 0) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Up to `count` entries with id > `id`, oldest first. */
  after(id: Id, count: number): Array<Entry> {
    const from = this.indexAfter(id)
    return this.entries.slice(from, from + count)
  }

  /** How many entries have id > `id` (a group's lag). */
  countAfter(id: Id): number {
    return this.entries.length - this.indexAfter(id)
  }

  /** The newest `count` entries, oldest first. */
  latest(count: number): Array<Entry> {
    if (count <= 0) return []
    return this.entries.slice(Math.max(this.start, this.entries.length - count))
  }

  /** The entry with exactly this id, if it is still in the stream. */
  get(id: Id): Entry | undefined {
    const index = this.indexAfter({ ms: id.ms, seq: id.seq - 1 })
    const entry = this.entries[index]
    return entry !== undefined && compareIds(entry, id) === 0 ? entry : undefined
  }
}
