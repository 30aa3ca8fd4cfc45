// Fluxgate dashboard — the IO gate (seed 000: start with a prompt, see "waiting", write,
// read the last message, Get Logs) and the log generator (seed 002: state, rate, burst).
"use strict"

document.addEventListener("alpine:init", () => {
  Alpine.data("gate", () => ({
    name: "default",
    prompt: "Type a message to let the process continue",
    message: "",
    timeoutMs: "",
    state: null, // GET /io
    stateError: "",
    last: null, // GET /io/read
    result: null, // outcome of the last start/write: { ok, text }
    logs: null, // GET /logs: { status, io, logs }
    logsError: "",
    init() {
      Fluxgate.every(1000, () => Fluxgate.showing("gate"), () => this.loadState())
      this.loadState()
    },
    gateParam() { return this.name.trim() || "default" },
    get waiting() {
      const s = this.state
      if (!s) return false
      const v = s.state ?? s.status ?? s.io?.state
      return v === "awaiting" || v === "waiting" || s.awaiting === true || s.awaiting_io === true
    },
    get stateText() {
      if (!this.state) return this.stateError ? "unknown" : "…"
      return this.waiting ? "waiting for a message" : String(this.state.state ?? this.state.status ?? "idle")
    },
    async loadState() {
      const r = await Fluxgate.api("GET", `/io${Fluxgate.qs({ gate: this.gateParam() })}`)
      this.state = r.ok ? r.data : null
      this.stateError = r.ok ? "" : r.error
    },
    async start() {
      const body = { gate: this.gateParam(), prompt: this.prompt }
      if (this.timeoutMs !== "") body.timeout_ms = Number(this.timeoutMs)
      const r = await Fluxgate.api("POST", "/io/start", body)
      this.result = r.ok ? { ok: true, text: `started: gate ${this.gateParam()} is waiting` } : { ok: false, text: r.error }
      await this.loadState()
    },
    async write() {
      const r = await Fluxgate.api("POST", "/io/write", { gate: this.gateParam(), message: this.message })
      this.result = r.ok ? { ok: true, text: `written: the waiting process resumed${r.data?.delivered === false ? " (stored; no waiter yet)" : ""}` } : { ok: false, text: r.error }
      if (r.ok) this.message = ""
      await this.loadState()
    },
    async read() {
      const r = await Fluxgate.api("GET", `/io/read${Fluxgate.qs({ gate: this.gateParam() })}`)
      this.last = r.ok ? r.data : { error: r.status === 404 ? "no message written yet" : r.error }
    },
    async getLogs() {
      const r = await Fluxgate.api("GET", "/logs?sample=3")
      this.logs = r.ok ? r.data : null
      this.logsError = r.ok ? "" : r.error
      await this.loadState()
    },
    line(e) {
      const lvl = String(e.level ?? "").toUpperCase()
      return `${Fluxgate.fmtTime(Number(e.ts_unix_ms))} ${lvl} ${e.source ?? ""}: ${typeof e.message === "string" ? e.message : Fluxgate.asText(e)}`
    },
    when: (v) => {
      const ms = typeof v === "number" ? v : Date.parse(String(v ?? ""))
      return isFinite(ms) ? new Date(ms).toLocaleString() : ""
    }
  }))

  Alpine.data("generator", () => ({
    gen: null,
    error: "",
    edit: { frequency: 5, level: "INFO", format: "plain", profile: "heartbeat" },
    levels: ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    formats: ["plain", "json", "csv"],
    profiles: ["heartbeat", "sessions"],
    burst: { events: 500, duration_ms: 2000 },
    result: null,
    init() {
      Fluxgate.every(2000, () => Fluxgate.showing("generator"), () => this.load(false))
      this.load(true)
    },
    get running() { return Boolean(this.gen && (this.gen.running ?? this.gen.enabled)) },
    async load(fillForm) {
      const r = await Fluxgate.api("GET", "/generator")
      this.error = r.ok ? "" : r.error
      if (!r.ok) return
      this.gen = r.data
      if (fillForm) {
        const g = r.data
        this.edit = {
          frequency: g.frequency ?? g.frequency_s ?? g.log_frequency ?? this.edit.frequency,
          level: g.level ?? this.edit.level,
          format: g.format ?? g.output_format ?? this.edit.format,
          profile: g.profile ?? this.edit.profile
        }
      }
    },
    async patch(body) {
      const r = await Fluxgate.api("PATCH", "/generator", body)
      this.result = r.ok ? { ok: true, text: "updated" } : { ok: false, text: r.error }
      if (r.ok && r.data && typeof r.data === "object") this.gen = r.data.generator ?? r.data
      await this.load(false)
    },
    toggle() { return this.patch({ running: !this.running }) },
    apply() { return this.patch({ frequency: Number(this.edit.frequency), level: this.edit.level, format: this.edit.format, profile: this.edit.profile }) },
    async fire() {
      const r = await Fluxgate.api("POST", "/generator/burst", { events: Number(this.burst.events), duration_ms: Number(this.burst.duration_ms) })
      const b = r.data?.burst ?? r.data ?? {}
      this.result = r.ok ? { ok: true, text: `burst started: ${b.events} events over ${b.duration_ms} ms (burst #${b.id})` } : { ok: false, text: r.error }
    },
    rows() {
      if (!this.gen || typeof this.gen !== "object") return []
      return Object.entries(this.gen).map(([k, v]) => [k, Fluxgate.asText(v)])
    }
  }))
})
