/**
 * @module telemetry/prometheus — Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): metric
 * families with HELP/TYPE, escaped label values, cumulative histogram buckets
 * ending in `+Inf`. Fed from Effect `Metric` snapshots and scrape-time gauges.
 */
import { MetricState, type MetricPair } from "effect"

export type MetricType = "counter" | "gauge" | "histogram" | "untyped"
export type Labels = Readonly<Record<string, string>>

interface Sample {
  readonly suffix: string
  readonly labels: Labels
  readonly value: number
}

interface Family {
  readonly name: string
  readonly type: MetricType
  readonly help: string
  readonly samples: Array<Sample>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

/** A legal metric or label name made from any text (`queue-depth` → `queue_depth`). */
export const sanitizeName = (text: string): string => {
  const s = text.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_+/g, "_")
  return /^[0-9]/.test(s) ? `_${s}` : s
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, "\\\"")
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatValue = (v: number): string =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v)

const formatLabels = (labels: Labels): string => {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ""
  return `{${entries.map(([k, v]) => `${sanitizeName(k)}="${escapeLabel(v)}"`).join(",")}}`
}

/** Collects families in order, merging samples of a family added twice. */
export class Exposition {
  private readonly families = new Map<string, Family>()

  private family(name: string, type: MetricType, help: string): Family {
    let f = this.families.get(name)
    if (!f) {
      if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`)
      f = { name, type, help, samples: [] }
      this.families.set(name, f)
    }
    return f
  }

  /** One counter or gauge sample. */
  add(name: string, type: "counter" | "gauge", help: string, value: number, labels: Labels = {}): this {
    this.family(name, type, help).samples.push({ suffix: "", labels, value })
    return this
  }

  /** A histogram from cumulative buckets `[upper bound, count ≤ bound]`. */
  histogram(name: string, help: string, buckets: ReadonlyArray<readonly [number, number]>, count: number, sum: number, labels: Labels = {}): this {
    const f = this.family(name, "histogram", help)
    let sawInf = false
    for (const [le, n] of buckets) {
      if (le === Infinity) sawInf = true
      f.samples.push({ suffix: "_bucket", labels: { ...labels, le: formatValue(le) }, value: n })
    }
    if (!sawInf) f.samples.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: count })
    f.samples.push({ suffix: "_sum", labels, value: sum })
    f.samples.push({ suffix: "_count", labels, value: count })
    return this
  }

  /** Add Effect metrics (counters, gauges, histograms, frequencies) whose names start with `prefix`. */
  addEffectMetrics(pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>, prefix: string): this {
    for (const pair of pairs) {
      const key = pair.metricKey
      if (!key.name.startsWith(prefix)) continue
      const labels: Record<string, string> = {}
      for (const tag of key.tags) labels[tag.key] = tag.value
      const help = key.description._tag === "Some" ? key.description.value : key.name
      const state: unknown = pair.metricState
      if (MetricState.isCounterState(state)) this.add(key.name, "counter", help, Number(state.count), labels)
      else if (MetricState.isGaugeState(state)) this.add(key.name, "gauge", help, Number(state.value), labels)
      else if (MetricState.isHistogramState(state)) this.histogram(key.name, help, state.buckets, state.count, state.sum, labels)
      else if (MetricState.isFrequencyState(state)) {
        for (const [value, n] of state.occurrences) this.add(key.name, "counter", help, n, { ...labels, value })
      }
    }
    return this
  }

  /** The exposition text (ends with a newline). */
  render(): string {
    const lines: Array<string> = []
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`)
      lines.push(`# TYPE ${f.name} ${f.type}`)
      for (const s of f.samples) lines.push(`${f.name}${s.suffix}${formatLabels(s.labels)} ${formatValue(s.value)}`)
    }
    return lines.join("\n") + "\n"
  }
}

/** The Content-Type Prometheus expects for this format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
