/** @module memory/listOps — the embedded broker's list operations: a reliable queue (LPUSH, BLMOVE, LREM) and BRPOP. */
import type { BrokerService } from "../Broker.ts"
import type { MemoryContext } from "./context.ts"

type ListOps = Pick<BrokerService, "push" | "lease" | "leaseMany" | "take" | "remove" | "listLength" | "listRange">

/** List operations over one embedded broker's state. */
export const listOps = ({ store, waiters, exec }: MemoryContext): ListOps => ({
  push: (list, values) => exec(() => (values.length > 0 ? store.lpush(list, ...values) : store.llen(list))),

  lease: (from, to, blockMs) =>
    waiters.block<string | null>({
      key: from,
      blockMs,
      empty: null,
      attempt: () => store.lmove(from, to, "RIGHT", "LEFT") ?? undefined,
      // Back to the tail it came from, so it is still the next one served.
      giveBack: (value) => {
        if (value === null) return
        store.lrem(to, 1, value)
        store.rpush(from, value)
      }
    }),

  leaseMany: (from, to, count) =>
    exec(() => {
      const moved: Array<string> = []
      for (let i = 0; i < count; i++) {
        const value = store.lmove(from, to, "RIGHT", "LEFT")
        if (value === null) break
        moved.push(value)
      }
      return moved
    }),

  take: (list, blockMs) =>
    waiters.block<string | null>({
      key: list,
      blockMs,
      empty: null,
      attempt: () => store.rpop(list) ?? undefined,
      giveBack: (value) => {
        if (value !== null) store.rpush(list, value)
      }
    }),

  remove: (list, value) => exec(() => store.lrem(list, 1, value)),

  listLength: (list) => exec(() => store.llen(list)),

  listRange: (list, start, stop) => exec(() => store.lrange(list, start, stop))
})
