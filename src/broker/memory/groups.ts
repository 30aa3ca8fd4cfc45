/**
 * @module memory/groups — consumer groups with Redis's delivery rules:
 * XREADGROUP `>` hands each entry to exactly one consumer and records it in the
 * group's pending entries list (PEL) until XACK; XAUTOCLAIM moves entries idle
 * for at least `minIdle` to another consumer and counts the extra delivery.
 */
import type { ClaimedEntry, GroupInfo, StreamEntry } from "../Broker.ts"
import { formatId, parseId, zeroId, type Id } from "./ids.ts"
import type { Group, Stream } from "./stream.ts"

/** Redis's own error text, so logs and tests read the same on both backends. */
export const noGroupError = (stream: string, group: string): Error =>
  new Error(`NOGROUP No such key '${stream}' or consumer group '${group}' in XREADGROUP with GROUP option`)

/** XGROUP CREATE: `$` starts after the current last id, `0` replays everything. False when it already exists. */
export const createGroup = (stream: Stream, name: string, startId: string): boolean => {
  if (stream.groups.has(name)) return false
  const lastDelivered: Id = startId === "$" ? stream.lastId : parseId(startId)
  stream.groups.set(name, { lastDelivered, pending: new Map(), consumers: new Map() })
  return true
}

const touchConsumer = (group: Group, consumer: string, now: number): void => {
  const known = group.consumers.get(consumer)
  if (known) known.seenAt = now
  else group.consumers.set(consumer, { seenAt: now })
}

/** XREADGROUP `>`: up to `count` never-delivered entries, now pending for `consumer`. Count <= 0 means no limit, as in Redis. */
export const readNew = (stream: Stream, group: Group, consumer: string, count: number, now: number): Array<StreamEntry> => {
  touchConsumer(group, consumer, now)
  const entries = stream.after(group.lastDelivered, count > 0 ? count : Infinity)
  for (const entry of entries) {
    group.pending.set(entry.id, { id: { ms: entry.ms, seq: entry.seq }, consumer, deliveredAt: now, deliveries: 1 })
    group.lastDelivered = entry
  }
  return entries.map(({ id, fields }) => ({ id, fields }))
}

/** XACK: how many of `ids` were pending. */
export const ack = (group: Group, ids: ReadonlyArray<string>): number => {
  let removed = 0
  for (const text of ids) if (group.pending.delete(formatId(parseId(text)))) removed++
  return removed
}

/**
 * XAUTOCLAIM from `0-0`: scan the PEL in id order, give entries idle for at
 * least `minIdleMs` to `consumer`, reset their idle time and count a delivery.
 * Pending ids whose entry was trimmed away are dropped from the PEL, as Redis
 * 7 does. Unlike Redis (which scans at most `count * 10` PEL entries per call)
 * this scans the whole PEL, so it can find more on a very long PEL.
 */
export const claimIdle = (
  stream: Stream, group: Group, consumer: string, minIdleMs: number, count: number, now: number
): Array<ClaimedEntry> => {
  touchConsumer(group, consumer, now)
  const claimed: Array<ClaimedEntry> = []
  for (const [key, pending] of group.pending) {
    if (claimed.length >= count) break
    if (now - pending.deliveredAt < minIdleMs) continue
    const entry = stream.get(pending.id)
    if (!entry) {
      group.pending.delete(key)
      continue
    }
    pending.consumer = consumer
    pending.deliveredAt = now
    pending.deliveries++
    claimed.push({ id: entry.id, fields: entry.fields, deliveries: pending.deliveries })
  }
  return claimed
}

/** What a missing stream or group reports: nothing pending, nothing to read. */
export const emptyGroupInfo: GroupInfo = {
  pending: 0,
  lag: 0,
  lastDeliveredId: formatId(zeroId),
  oldestPendingIdleMs: null,
  consumers: []
}

/**
 * XINFO GROUPS + XPENDING summary + XINFO CONSUMERS in one view. `lag` counts
 * the entries still in the stream after the last delivered id; the oldest
 * pending entry is the one with the lowest id (what `XPENDING - + 1` returns).
 */
export const groupInfo = (stream: Stream, group: Group, now: number): GroupInfo => {
  const perConsumer = new Map<string, number>()
  let oldestPendingIdleMs: number | null = null
  for (const pending of group.pending.values()) {
    if (oldestPendingIdleMs === null) oldestPendingIdleMs = Math.max(0, now - pending.deliveredAt)
    perConsumer.set(pending.consumer, (perConsumer.get(pending.consumer) ?? 0) + 1)
  }
  return {
    pending: group.pending.size,
    lag: stream.countAfter(group.lastDelivered),
    lastDeliveredId: formatId(group.lastDelivered),
    oldestPendingIdleMs,
    // XINFO CONSUMERS lists consumers in name order (they live in a radix tree).
    consumers: [...group.consumers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, consumer]) => ({
      name,
      pending: perConsumer.get(name) ?? 0,
      idleMs: Math.max(0, now - consumer.seenAt)
    }))
  }
}
