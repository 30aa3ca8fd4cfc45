/**
 * @module broker/redis/blockingPool — the blocking connections (BLMOVE,
 * BRPOP, XREAD[GROUP] BLOCK), one per call in flight, in plain code.
 *
 * Every live tail read and every worker lease goes through here, thousands of
 * times a second under load, so a call is one `Effect.async` around promises
 * and timers rather than a scoped pool checkout plus two racing timeout fibers
 * (that version cost the distributor more CPU per event than delivering it).
 * What it guarantees is unchanged:
 * - at most `max` connections; a caller that finds them all busy for its whole
 *   block time gets `whenBusy` (the same read without waiting) instead;
 * - a watchdog (`blockMs` + margin) fails a call whose reply never comes;
 * - a connection whose call failed, timed out or was interrupted is
 *   disconnected and never reused (an interrupted BLMOVE may still be pending
 *   server-side, and only closing the socket cancels it).
 */
import { Effect, Exit } from "effect"
import { asyncWithLeafSpan } from "../../telemetry/leaf.ts"
import type { StreamUnavailable } from "../../errors.ts"
import { unavailable } from "./failure.ts"

/** A connected client (standalone or cluster): all the pool itself needs is to close it. */
export interface BlockingClient {
  disconnect(): void
}

export interface BlockingPool<C extends BlockingClient> {
  /** Run `run` on a connection of its own for at most `blockMs` + margin (see the module doc). */
  readonly blocking: <A>(
    operation: string,
    blockMs: number,
    run: (client: C) => Promise<A>,
    whenBusy: Effect.Effect<A, StreamUnavailable>
  ) => Effect.Effect<A, StreamUnavailable>
  /** Disconnect everything (scope end). */
  readonly close: () => void
  /** Connections open now (for tests and /debug). */
  readonly size: () => number
}

const REDIS = { "db.system": "redis" }

export const makeBlockingPool = <C extends BlockingClient>(options: {
  readonly address: string
  readonly max: number
  readonly watchdogMarginMs: number
  /** Open one connected client; rejects with the reason it could not connect. */
  readonly connect: () => Promise<C>
}): BlockingPool<C> => {
  const idle: Array<C> = []
  const open = new Set<C>()
  let opening = 0
  let closed = false
  const waiters: Array<(client: C | null) => void> = []

  const drop = (client: C) => {
    open.delete(client)
    client.disconnect()
  }

  const connectOne = (): Promise<C> => {
    opening++
    return options.connect().then(
      (client) => {
        opening--
        if (closed) {
          client.disconnect()
          throw new Error("broker closed")
        }
        open.add(client)
        return client
      },
      (error) => {
        opening--
        throw error
      }
    )
  }

  /** An idle or new connection; null when all `max` stay busy for `waitMs`. */
  const acquire = (waitMs: number): Promise<C | null> => {
    if (closed) return Promise.reject(new Error("broker closed"))
    const ready = idle.pop()
    if (ready !== undefined) return Promise.resolve(ready)
    if (open.size + opening < options.max) return connectOne()
    return new Promise((resolve) => {
      const waiter = (client: C | null) => {
        clearTimeout(timer)
        resolve(client)
      }
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter)
        if (i >= 0) waiters.splice(i, 1)
        resolve(null)
      }, waitMs)
      waiters.push(waiter)
    })
  }

  /** Back to the pool (healthy) or closed for good; either way a waiter gets its turn. */
  const release = (client: C, healthy: boolean) => {
    if (!healthy || closed) drop(client)
    const waiter = waiters.shift()
    if (waiter === undefined) {
      if (healthy && !closed) idle.push(client)
      return
    }
    if (healthy && !closed) waiter(client)
    else connectOne().then(waiter, () => waiter(null))
  }

  const blocking = <A>(operation: string, blockMs: number, run: (client: C) => Promise<A>, whenBusy: Effect.Effect<A, StreamUnavailable>) =>
    Effect.suspend(() => {
      let busy = false
      // A leaf span like every other broker call (telemetry/leaf); its cleanup closes the socket.
      const call = asyncWithLeafSpan<A, StreamUnavailable>(`broker.${operation}`, REDIS, (done) => {
        const watchdogMs = blockMs + options.watchdogMarginMs
        let settled = false
        let client: C | null = null
        let timer: ReturnType<typeof setTimeout> | undefined
        const finish = (healthy: boolean) => {
          settled = true
          if (timer !== undefined) clearTimeout(timer)
          if (client !== null) release(client, healthy)
        }
        acquire(blockMs).then(
          (acquired) => {
            if (settled) {
              // interrupted while waiting for a connection: it never ran a command, so it is reusable
              if (acquired !== null) release(acquired, true)
              return
            }
            if (acquired === null) {
              settled = true
              busy = true
              return done(Exit.succeed(undefined as A))
            }
            client = acquired
            timer = setTimeout(() => {
              if (settled) return
              finish(false)
              done(Exit.fail(unavailable(options.address, operation, `no reply within ${watchdogMs} ms (watchdog)`)))
            }, watchdogMs)
            run(acquired).then(
              (value) => {
                if (settled) return
                finish(true)
                done(Exit.succeed(value))
              },
              (error) => {
                if (settled) return
                finish(false)
                done(Exit.fail(unavailable(options.address, operation, error)))
              }
            )
          },
          (error) => {
            if (settled) return
            settled = true
            done(Exit.fail(unavailable(options.address, `${operation}: connect (blocking)`, error)))
          }
        )
        // Interrupted (shutdown, a raced timeout): the pending call is cut by closing its socket.
        return () => {
          if (!settled) finish(false)
        }
      })
      // Every connection stayed busy for the whole block time: answer without waiting instead.
      return Effect.flatMap(call, (value) => (busy ? whenBusy : Effect.succeed(value)))
    })

  const close = () => {
    closed = true
    for (const client of open) client.disconnect()
    open.clear()
    idle.length = 0
    for (const waiter of waiters.splice(0)) waiter(null)
  }

  return { blocking, close, size: () => open.size + opening }
}
