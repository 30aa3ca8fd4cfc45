/**
 * @module memory/keyspace — typed keys with Redis's rules underneath the
 * embedded store: a key holds one kind of value (else WRONGTYPE), empty
 * collections disappear, and TTLs expire lazily on access plus a periodic sweep.
 */
import type { Deque } from "./deque.ts"
import type { Stream } from "./stream.ts"

/** What each kind of key holds. */
export interface Kinds {
  readonly string: { value: string }
  readonly hash: Map<string, string>
  readonly list: Deque<string>
  readonly zset: Map<string, number>
  readonly set: Set<string>
  readonly stream: Stream
}
export type Kind = keyof Kinds
export type Slot = { [K in Kind]: { readonly kind: K; readonly data: Kinds[K] } }[Kind]

const wrongType = () => new Error("WRONGTYPE Operation against a key holding the wrong kind of value")

/** Key bookkeeping shared by every command of `MemoryStore`. */
export class Keyspace {
  protected readonly slots = new Map<string, Slot>()
  protected readonly expires = new Map<string, number>()
  private accesses = 0

  readonly now: () => number

  constructor(now: () => number) {
    this.now = now
  }

  protected live(key: string): Slot | undefined {
    // Lazy expiry misses keys nobody reads again (heartbeats, traces), so sweep now and then.
    if ((++this.accesses & 1023) === 0) this.sweep()
    const at = this.expires.get(key)
    if (at !== undefined && at <= this.now()) this.drop(key)
    return this.slots.get(key)
  }

  private sweep(): void {
    const now = this.now()
    for (const [key, at] of this.expires) if (at <= now) this.drop(key)
  }

  protected drop(key: string): boolean {
    this.expires.delete(key)
    return this.slots.delete(key)
  }

  protected read<K extends Kind>(key: string, kind: K): Kinds[K] | undefined {
    const slot = this.live(key)
    if (slot === undefined) return undefined
    if (slot.kind !== kind) throw wrongType()
    return slot.data as Kinds[K]
  }

  protected write<K extends Kind>(key: string, kind: K, create: () => Kinds[K]): Kinds[K] {
    const found = this.read(key, kind)
    if (found !== undefined) return found
    const data = create()
    // The mapped union can't be narrowed by a generic K; `kind` and `data` agree by construction.
    this.slots.set(key, { kind, data } as Slot)
    return data
  }

  /** Redis deletes a collection when its last element goes. */
  protected prune(key: string, size: number): void {
    if (size === 0) this.drop(key)
  }
}
