/**
 * @module distributor/counters — the counters sink: events per source and
 * level, plus sink totals, kept in this process and read by `/metrics` and the
 * dashboard through `distributorMetrics()`. They count what this replica's
 * consumer sank (the group shards events, so replicas' counts add up).
 */
import type { Level } from "../collector/event.ts"

/** Sources beyond this many are counted as `_other`, so a noisy producer cannot grow memory without bound. */
const MAX_SOURCES = 1000

const bySource = new Map<string, Map<Level, number>>()
const totals = { sunk: 0, dead: 0, sinkFailures: 0, reclaimed: 0 }

/** Count one sunk event. */
export const countEvent = (source: string, level: Level): void => {
  let levels = bySource.get(source)
  if (levels === undefined) {
    if (bySource.size >= MAX_SOURCES) return countEvent("_other", level)
    levels = new Map()
    bySource.set(source, levels)
  }
  levels.set(level, (levels.get(level) ?? 0) + 1)
  totals.sunk++
}

/** Bump a sink total. */
export const countTotal = (name: keyof typeof totals, by = 1): void => {
  totals[name] += by
}

/** Per-source/per-level counts and sink totals of this process, for /metrics and the dashboard. */
export const distributorMetrics = () => ({
  events: [...bySource].flatMap(([source, levels]) => [...levels].map(([level, count]) => ({ source, level, count }))),
  sunk_total: totals.sunk,
  dead_total: totals.dead,
  sink_failures_total: totals.sinkFailures,
  reclaimed_total: totals.reclaimed
})
