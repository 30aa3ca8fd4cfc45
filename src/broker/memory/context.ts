/** @module memory/context — what every embedded broker operation shares: the store, its waiters, and `exec`. */
import { Effect } from "effect"
import type { StreamUnavailable } from "../../errors.ts"
import { MemoryStore } from "./store.ts"
import { toUnavailable, Waiters } from "./waiters.ts"

/** One embedded broker's state. */
export interface MemoryContext {
  readonly store: MemoryStore
  readonly waiters: Waiters
  /** Run a synchronous store operation as one broker call: its throws become `StreamUnavailable`, then blocked readers of what it wrote are served. */
  readonly exec: <A>(operation: () => A) => Effect.Effect<A, StreamUnavailable>
}

/** A fresh, empty embedded broker state. `now` is the clock for ids, TTLs and idle times. */
export const makeMemoryContext = (now: () => number = Date.now): MemoryContext => {
  const waiters = new Waiters()
  const store = new MemoryStore(now, waiters.touch)
  const exec = <A>(operation: () => A): Effect.Effect<A, StreamUnavailable> =>
    Effect.suspend(() => {
      try {
        return Effect.succeed(operation())
      } catch (error) {
        return Effect.fail(toUnavailable(error))
      } finally {
        waiters.flush()
      }
    })
  return { store, waiters, exec }
}
