/**
 * @module memory/waiters — blocking reads (BLMOVE, BRPOP, XREAD/XREADGROUP
 * BLOCK) for the embedded broker. A waiter parks on one key; a write marks the
 * key, and after the writing command finishes (never mid-script, like Redis
 * serving blocked clients after a command) waiters are served in arrival order.
 * Serving a waiter runs its operation synchronously, so one pushed item goes to
 * exactly one waiter and the rest keep waiting.
 */
import { Effect } from "effect"
import { StreamUnavailable } from "../../errors.ts"

/** A store failure (WRONGTYPE, NOGROUP…) as the broker's one error. */
export const toUnavailable = (error: unknown): StreamUnavailable =>
  new StreamUnavailable({ message: error instanceof Error ? error.message : String(error) })

interface Waiter {
  /** Try the operation; true when the waiter is finished (served or failed). */
  readonly serve: () => boolean
}

/** What a blocking operation needs: its key, how to try, and what a timeout returns. */
export interface BlockingRead<A> {
  readonly key: string
  readonly blockMs: number
  /** The operation itself; `undefined` means nothing yet. Called first when the read starts, then after each write to `key`. */
  readonly attempt: () => A | undefined
  /** The result on timeout (null, or no entries). */
  readonly empty: A
  /** Undo a result that was served to a fiber being interrupted at that moment, so the item isn't lost. */
  readonly giveBack?: (value: A) => void
}

/** Blocked readers of one embedded broker, per key, in arrival order. */
export class Waiters {
  private readonly byKey = new Map<string, Array<Waiter>>()
  private readonly dirty = new Set<string>()
  private flushing = false

  /** Note a write to `key`; costs nothing when nobody waits on it. */
  readonly touch = (key: string): void => {
    if (this.byKey.has(key)) this.dirty.add(key)
  }

  /** How many reads are parked (for leak checks in tests). */
  get size(): number {
    let total = 0
    for (const queue of this.byKey.values()) total += queue.length
    return total
  }

  /** Serve waiters on every written key, until serving them writes nothing new (a lease writes its processing list). */
  flush(): void {
    if (this.flushing) return
    this.flushing = true
    try {
      for (const key of this.dirty) {
        this.dirty.delete(key)
        for (const waiter of [...(this.byKey.get(key) ?? [])]) if (waiter.serve()) this.remove(key, waiter)
      }
    } finally {
      this.flushing = false
    }
  }

  private add(key: string, waiter: Waiter): void {
    const queue = this.byKey.get(key)
    if (queue) queue.push(waiter)
    else this.byKey.set(key, [waiter])
  }

  private remove(key: string, waiter: Waiter): void {
    const queue = this.byKey.get(key)
    if (!queue) return
    const index = queue.indexOf(waiter)
    if (index >= 0) queue.splice(index, 1)
    if (queue.length === 0) this.byKey.delete(key)
  }

  /**
   * Run `read.attempt` now; if it finds nothing and `blockMs > 0`, park until a
   * write serves it or `blockMs` passes. Interrupting the fiber unparks it.
   */
  block<A>(read: BlockingRead<A>): Effect.Effect<A, StreamUnavailable> {
    return Effect.async<A, StreamUnavailable>((resume) => {
      let first: A | undefined
      try {
        first = read.attempt()
      } catch (error) {
        resume(Effect.fail(toUnavailable(error)))
        return
      } finally {
        this.flush()
      }
      if (first !== undefined || read.blockMs <= 0) {
        resume(Effect.succeed(first ?? read.empty))
        return
      }
      let served: { readonly value: A } | undefined
      let timer: ReturnType<typeof setTimeout> | undefined
      const waiter: Waiter = {
        serve: () => {
          let value: A | undefined
          try {
            value = read.attempt()
          } catch (error) {
            clearTimeout(timer)
            resume(Effect.fail(toUnavailable(error)))
            return true
          }
          if (value === undefined) return false
          clearTimeout(timer)
          served = { value }
          resume(Effect.succeed(value))
          return true
        }
      }
      this.add(read.key, waiter)
      timer = setTimeout(() => {
        this.remove(read.key, waiter)
        resume(Effect.succeed(read.empty))
      }, read.blockMs)
      return Effect.sync(() => {
        clearTimeout(timer)
        this.remove(read.key, waiter)
        // Served between the interrupt signal and this cleanup: the fiber will
        // never see the value, so put it back rather than lose it.
        if (served && read.giveBack) {
          read.giveBack(served.value)
          this.flush()
        }
      })
    })
  }
}
