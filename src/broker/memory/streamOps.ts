/** @module memory/streamOps — the embedded broker's stream operations (XADD, groups, ranges, blocking reads). */
import type { BrokerService, StreamEntry } from "../Broker.ts"
import type { MemoryContext } from "./context.ts"
import * as Groups from "./groups.ts"
import { formatId, parseId, zeroId, type Id } from "./ids.ts"
import type { Entry } from "./stream.ts"

type StreamOps = Pick<
  BrokerService,
  "append" | "ensureGroup" | "readGroup" | "ack" | "claimIdle" | "groupInfo" | "rangeAfter" | "latest" | "readAfter" | "streamInfo"
>

const toEntries = (entries: ReadonlyArray<Entry>): Array<StreamEntry> => entries.map(({ id, fields }) => ({ id, fields }))

/** Stream operations over one embedded broker's state. */
export const streamOps = ({ store, waiters, exec }: MemoryContext): StreamOps => {
  const group = (stream: string, name: string) => {
    const found = store.stream(stream)
    const group = found?.groups.get(name)
    if (!found || !group) throw Groups.noGroupError(stream, name)
    return { stream: found, group }
  }

  return {
    append: (stream, entries, options) => exec(() => entries.map((fields) => store.xadd(stream, fields, options?.maxLen))),

    ensureGroup: (stream, name, startId = "$") =>
      exec(() => {
        Groups.createGroup(store.streamForWrite(stream), name, startId)
      }),

    readGroup: (stream, name, consumer, { count, blockMs }) =>
      waiters.block<ReadonlyArray<StreamEntry>>({
        key: stream,
        blockMs,
        empty: [],
        attempt: () => {
          const found = group(stream, name)
          const entries = Groups.readNew(found.stream, found.group, consumer, count, store.now())
          return entries.length > 0 ? entries : undefined
        }
      }),

    ack: (stream, name, ids) =>
      exec(() => {
        const found = store.stream(stream)?.groups.get(name)
        return found ? Groups.ack(found, ids) : 0
      }),

    claimIdle: (stream, name, consumer, { minIdleMs, count }) =>
      exec(() => {
        const found = group(stream, name)
        return Groups.claimIdle(found.stream, found.group, consumer, minIdleMs, count, store.now())
      }),

    groupInfo: (stream, name) =>
      exec(() => {
        const found = store.stream(stream)
        const group = found?.groups.get(name)
        return found && group ? Groups.groupInfo(found, group, store.now()) : Groups.emptyGroupInfo
      }),

    rangeAfter: (stream, afterId, count) =>
      exec(() => toEntries(store.stream(stream)?.after(afterId === null ? zeroId : parseId(afterId), count) ?? [])),

    latest: (stream, count) => exec(() => toEntries(store.stream(stream)?.latest(count) ?? [])),

    readAfter: (stream, afterId, { count, blockMs }) => {
      // "$" is the last id when the call starts, resolved by the first attempt (which runs at once, synchronously).
      let from: Id | undefined
      return waiters.block<ReadonlyArray<StreamEntry>>({
        key: stream,
        blockMs,
        empty: [],
        attempt: () => {
          if (from === undefined) {
            from = afterId === "$" ? store.stream(stream)?.lastId ?? zeroId : parseId(afterId)
          }
          const entries = store.stream(stream)?.after(from, count > 0 ? count : Infinity) ?? []
          return entries.length > 0 ? toEntries(entries) : undefined
        }
      })
    },

    streamInfo: (stream) =>
      exec(() => {
        const found = store.stream(stream)
        const first = found?.first()
        const last = found?.last()
        return {
          length: found?.length ?? 0,
          firstId: first ? formatId(first) : null,
          lastId: last ? formatId(last) : null
        }
      })
  }
}
