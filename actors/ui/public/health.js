// Fluxgate dashboard — health (identity, broker backend and latency, each actor's state,
// restarts and lag, its fibers) and traces (a list from /debug/traces when the endpoint answers,
// with a waterfall of one trace's spans).
"use strict"

/** A probe's detail as "lag 0 · pending 2 · …" rather than raw JSON. */
const flat = (v) =>
  v && typeof v === "object" && !Array.isArray(v)
    ? Object.entries(v).map(([k, x]) => `${k.replace(/_/g, " ")} ${x === null || x === undefined ? "—" : Fluxgate.asText(x)}`).join(" · ")
    : Fluxgate.asText(v)

document.addEventListener("alpine:init", () => {
  Alpine.data("health", () => ({
    report: null,
    status: 0,
    who: null,
    actors: [],
    error: "",
    updated: "",
    init() {
      Fluxgate.every(3000, () => Fluxgate.showing("health"), () => this.load())
      this.load()
    },
    async load() {
      const [h, w, a] = await Promise.all([
        Fluxgate.api("GET", "/healthz"), Fluxgate.api("GET", "/whoami"), Fluxgate.api("GET", "/debug/actors")
      ])
      // 503 still carries the report: degraded is information, not an error.
      this.report = h.data && h.data.checks ? h.data : null
      this.status = h.status
      this.error = this.report ? "" : h.error
      this.who = w.ok ? w.data : null
      this.actors = a.ok && Array.isArray(a.data?.actors) ? a.data.actors : []
      this.updated = new Date().toLocaleTimeString()
    },
    get broker() { return this.report?.checks?.broker ?? {} },
    get actorRows() {
      const checks = this.report?.checks?.actors ?? {}
      const names = new Set([...Object.keys(checks), ...this.actors.map((a) => a.name)])
      return [...names].sort().map((name) => {
        const c = checks[name] ?? {}
        const d = this.actors.find((a) => a.name === name) ?? {}
        const { ok, state, restarts, last_error, ...probes } = c
        return {
          name,
          ok: ok !== false,
          state: state ?? d.state ?? "",
          restarts: restarts ?? d.restarts ?? 0,
          lastError: last_error ?? d.lastError ?? d.last_error ?? "",
          probes: Object.entries(probes).map(([k, v]) => `${k}: ${flat(v)}`).join("; "),
          fibers: Array.isArray(d.fibers) ? d.fibers : [],
          handled: d.handled ?? "",
          stuck: Array.isArray(d.stuck) && d.stuck.length > 0
        }
      })
    },
    fiberText(f) {
      const op = f.operation ? ` — ${f.operation}` : ""
      return `${f.name}: ${f.state}${op}${f.restarts ? ` (${f.restarts} restarts)` : ""}`
    }
  }))

  Alpine.data("traces", () => ({
    available: null, // null = not asked yet, false = this instance has no /debug/traces
    traces: [],
    error: "",
    selected: null, // the opened trace's summary line
    spans: [],
    filters: { actor: "", status: "", min_duration_ms: "" },
    init() {
      Fluxgate.every(5000, () => Fluxgate.showing("traces") && this.selected === null, () => this.load())
      this.load()
    },
    async load() {
      const r = await Fluxgate.api("GET", `/debug/traces${Fluxgate.qs({ ...this.filters, limit: 50 })}`)
      if (r.status === 404 && /no route/.test(r.data?.error?.message ?? "")) {
        this.available = false
        return
      }
      this.available = r.ok
      this.error = r.ok ? "" : r.error
      if (r.ok) this.traces = Array.isArray(r.data?.traces) ? r.data.traces : []
    },
    list: (v) => (Array.isArray(v) ? v.join(", ") : ""),
    async open(t) {
      const r = await Fluxgate.api("GET", `/debug/traces/${encodeURIComponent(t.trace_id)}`)
      this.error = r.ok ? "" : r.error
      if (!r.ok) return
      const d = r.data
      this.selected = { id: d.trace_id, duration: d.duration_ms, instances: this.list(d.instances), actors: this.list(d.actors) }
      const spans = Array.isArray(d.spans) ? [...d.spans].sort((a, b) => a.start_ms - b.start_ms) : []
      // Depth from parent links, so the waterfall indents children under their parents.
      const byId = new Map(spans.map((s) => [s.span_id, s]))
      const depth = (s, n = 0) => (n < 20 && s.parent_span_id && byId.has(s.parent_span_id) ? depth(byId.get(s.parent_span_id), n + 1) : n)
      const total = Math.max(Number(d.duration_ms) || 0, 0.001)
      this.spans = spans.map((s) => ({
        key: s.span_id,
        name: s.name,
        who: s.instance_id ?? "",
        ms: Number(s.duration_ms).toFixed(3),
        depth: depth(s),
        left: (Number(s.offset_ms ?? 0) / total) * 100,
        width: Math.max((Number(s.duration_ms) / total) * 100, 0.5),
        error: s.status === "error",
        detail: s.error ?? ""
      }))
    },
    close() { this.selected = null; this.spans = [] }
  }))
})
