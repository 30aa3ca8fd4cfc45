// Fluxgate dashboard — health (identity, broker backend and latency, each actor's state,
// restarts and lag, its fibers) and traces (a list from /debug/traces when the endpoint answers,
// with a waterfall of one trace's spans).
"use strict"

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
          probes: Object.entries(probes).map(([k, v]) => `${k}: ${Fluxgate.asText(v)}`).join("; "),
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
    available: null, // null = not asked yet, false = endpoint absent
    traces: [],
    error: "",
    selected: null,
    spans: [],
    filters: { actor: "", status: "", min_ms: "" },
    init() {
      Fluxgate.every(5000, () => Fluxgate.showing("traces"), () => this.load())
      this.load()
    },
    async load() {
      const r = await Fluxgate.api("GET", `/debug/traces${Fluxgate.qs(this.filters)}`)
      if (r.status === 404 && r.data?.error?.code === "NotFound" && /no route/.test(r.data.error.message ?? "")) {
        this.available = false
        return
      }
      this.available = r.ok
      this.error = r.ok ? "" : r.error
      if (r.ok) this.traces = Array.isArray(r.data) ? r.data : Array.isArray(r.data?.traces) ? r.data.traces : []
    },
    idOf: (t) => t.trace_id ?? t.traceId ?? t.id ?? "",
    nameOf: (t) => t.root ?? t.name ?? t.root_name ?? t.spans?.[0]?.name ?? "",
    durOf: (t) => t.duration_ms ?? t.durationMs ?? "",
    async open(t) {
      const id = this.idOf(t)
      this.selected = id
      const r = await Fluxgate.api("GET", `/debug/traces/${encodeURIComponent(id)}`)
      const spans = r.ok ? (Array.isArray(r.data) ? r.data : r.data?.spans ?? []) : []
      const start = (s) => Number(s.start_ms ?? s.startMs ?? s.start ?? 0)
      const dur = (s) => Number(s.duration_ms ?? s.durationMs ?? (s.end_ms ?? s.endMs ?? start(s)) - start(s))
      const t0 = Math.min(...spans.map(start))
      const t1 = Math.max(...spans.map((s) => start(s) + dur(s)))
      const total = Math.max(t1 - t0, 1)
      this.spans = spans.map((s) => ({
        name: s.name ?? "",
        who: s.instance_id ?? s.instance ?? s.attributes?.["instance.id"] ?? "",
        ms: dur(s).toFixed(2),
        left: ((start(s) - t0) / total) * 100,
        width: Math.max((dur(s) / total) * 100, 0.5),
        error: s.status === "error" || s.status === "ERROR"
      }))
      this.error = r.ok ? "" : r.error
    }
  }))
})
