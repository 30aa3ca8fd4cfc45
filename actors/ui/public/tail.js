// Fluxgate dashboard — the live tail (SSE from /subscribe) and the send-events panel.
// The tail resumes from the last id it saw after any drop (Last-Event-ID, passed as
// ?last_event_id= because EventSource can't set headers on a fresh connection), skips
// anything at or before that id so a replay never shows a duplicate, and surfaces the
// distributor's `gap` and `overflow` notices instead of hiding them.
"use strict"

const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
const MAX_ROWS = 500 // rows kept on screen
const HISTORY = 50 // recent events drawn from /logs before the live stream starts
const PAUSE_MAX = 2000 // events buffered while paused; past this the stream detaches and replays on resume

/** Stream ids are "<ms>-<seq>": compare numerically, part by part. */
const compareIds = (a, b) => {
  const [am, as] = String(a).split("-").map(Number)
  const [bm, bs] = String(b).split("-").map(Number)
  return am !== bm ? am - bm : (as || 0) - (bs || 0)
}

const normalizeLevel = (l) => {
  const u = String(l ?? "INFO").toUpperCase()
  return u === "WARNING" ? "WARN" : u === "CRITICAL" ? "FATAL" : u
}

/** One SSE message → a row; tolerant of the payload carrying the event flat or under `event`. */
const toRow = (id, data) => {
  let e
  try { e = JSON.parse(data) } catch { e = { message: data } }
  if (e && typeof e === "object" && e.event && typeof e.event === "object") e = { ...e.event, id: e.id }
  const ts = Number(e.ts_unix_ms ?? e.ts ?? Number(String(id).split("-")[0]))
  return {
    id,
    ts,
    time: Fluxgate.fmtTime(ts),
    level: normalizeLevel(e.level),
    source: String(e.source ?? ""),
    message: typeof e.message === "string" ? e.message : Fluxgate.asText(e.message),
    metadata: e.metadata && typeof e.metadata === "object" && Object.keys(e.metadata).length > 0 ? JSON.stringify(e.metadata) : ""
  }
}

document.addEventListener("alpine:init", () => {
  Alpine.data("tail", () => ({
    levels: LEVELS,
    filters: { source: "", level: "", q: "" },
    state: "disconnected", // disconnected | connecting | live | reconnecting
    wanted: false, // the user wants to be connected
    paused: false,
    detached: false, // paused buffer filled: stream closed, will replay from lastId
    rows: [],
    buffer: [],
    pending: [],
    lastId: "",
    received: 0,
    reconnects: 0,
    notices: [],
    es: null,
    retryTimer: null,
    backoff: 500,
    follow: true,
    init() {
      // Batch rendering: SSE can deliver thousands of events a second; draw at most 10 times a second.
      setInterval(() => this.flush(), 100)
      this.connect()
    },
    get statusText() {
      if (this.paused) return this.detached ? `paused — buffer full, will replay from ${this.lastId}` : `paused (${this.buffer.length} buffered)`
      return { disconnected: "disconnected", connecting: "connecting…", live: "live", reconnecting: `reconnecting… (attempt ${this.reconnects})` }[this.state]
    },
    url() {
      return `/api/subscribe${Fluxgate.qs({ ...this.filters, last_event_id: this.lastId })}`
    },
    async connect() {
      this.wanted = true
      this.state = "connecting"
      if (!this.lastId) await this.loadHistory()
      this.open()
    },
    /**
     * First connect: draw the recent events from /logs, then subscribe after the newest
     * of them, so history and the live stream meet with no gap and no repeat.
     */
    async loadHistory() {
      // /logs takes the same filters as /subscribe, so replaying after the newest match misses nothing.
      const r = await Fluxgate.api("GET", `/logs${Fluxgate.qs({ limit: HISTORY, ...this.filters })}`)
      const logs = r.ok && Array.isArray(r.data?.logs) ? r.data.logs : []
      for (const e of logs) if (typeof e.id === "string") this.receive(e.id, JSON.stringify(e))
      if (this.lastId || !r.ok) return
      // Nothing matched: start after the newest event of any kind ("0-0" for an empty stream), so
      // even a drop before the first delivered event (an overflow) resumes without losing anything.
      const any = await Fluxgate.api("GET", "/logs?limit=1")
      if (any.ok && Array.isArray(any.data?.logs)) this.lastId = any.data.logs.at(-1)?.id ?? "0-0"
    },
    open() {
      clearTimeout(this.retryTimer)
      if (this.es) this.es.close()
      if (!this.wanted || this.detached) return
      this.state = this.state === "reconnecting" ? "reconnecting" : "connecting"
      const es = new EventSource(this.url())
      this.es = es
      es.onopen = () => {
        if (this.es !== es) return
        if (this.state === "reconnecting") this.notice("info", `reconnected; resumed after ${this.lastId || "the start"}`)
        this.state = "live"
        this.backoff = 500
      }
      es.onmessage = (m) => this.receive(m.lastEventId, m.data)
      // The distributor explains both in `message`; show its words rather than guessing.
      es.addEventListener("gap", (m) => this.notice("warn", `gap: ${this.describe(m.data, "events were trimmed from the stream before they could be replayed")}`))
      es.addEventListener("overflow", (m) => this.notice("warn", `overflow: ${this.describe(m.data, "this tab fell behind")} — resuming from ${this.lastId}`))
      es.onerror = () => {
        if (this.es !== es) return
        // Always take over from EventSource's own retry: we reconnect with the newest id we hold.
        es.close()
        this.es = null
        if (!this.wanted) return
        this.state = "reconnecting"
        this.reconnects++
        this.retryTimer = setTimeout(() => this.open(), this.backoff)
        this.backoff = Math.min(this.backoff * 2, 3000)
      }
    },
    disconnect() {
      this.wanted = false
      clearTimeout(this.retryTimer)
      if (this.es) this.es.close()
      this.es = null
      this.state = "disconnected"
    },
    reconnectWithFilters() {
      if (this.wanted) { this.state = "connecting"; this.open() }
    },
    describe(data, fallback) {
      try {
        const d = JSON.parse(data)
        return typeof d.message === "string" ? d.message : fallback
      } catch { return fallback }
    },
    receive(id, data) {
      if (id && this.lastId && compareIds(id, this.lastId) <= 0) return // replayed: already shown
      if (id) this.lastId = id
      this.received++
      const row = toRow(id, data)
      if (!this.paused) { this.pending.push(row); return }
      this.buffer.push(row)
      if (this.buffer.length >= PAUSE_MAX && this.es) {
        // Bounded memory: stop reading; the stream still holds everything after lastId.
        this.es.close()
        this.es = null
        this.detached = true
        this.notice("info", `pause buffer full (${PAUSE_MAX}); the rest will be replayed from the stream on resume`)
      }
    },
    flush() {
      if (this.pending.length === 0) return
      const next = this.rows.concat(this.pending)
      this.pending = []
      this.rows = next.length > MAX_ROWS ? next.slice(next.length - MAX_ROWS) : next
      if (this.follow) this.$nextTick(() => { const el = this.$refs.log; if (el) el.scrollTop = el.scrollHeight })
    },
    pause() { this.paused = true },
    resume() {
      this.paused = false
      this.pending.push(...this.buffer)
      this.buffer = []
      if (this.detached) { this.detached = false; this.open() }
    },
    clear() { this.rows = []; this.pending = []; this.notices = [] },
    onScroll() {
      const el = this.$refs.log
      this.follow = el.scrollHeight - el.scrollTop - el.clientHeight < 40
    },
    notice(kind, text) {
      this.notices = [...this.notices.slice(-4), { kind, text, at: new Date().toLocaleTimeString() }]
    }
  }))

  Alpine.data("sender", () => ({
    levels: LEVELS,
    form: { source: "dashboard", level: "INFO", message: "", metadata: "" },
    ndjson: '{"source":"shop","level":"INFO","message":"user logged in","metadata":{"user_id":"u-1"}}\n{"source":"shop","level":"ERROR","message":"payment declined"}',
    busy: false,
    result: null, // { ok, text }
    async sendOne() {
      const event = { source: this.form.source, level: this.form.level, message: this.form.message }
      if (this.form.metadata.trim()) {
        try { event.metadata = JSON.parse(this.form.metadata) } catch (e) {
          this.result = { ok: false, text: `metadata is not valid JSON: ${e.message}` }
          return
        }
      }
      await this.post(JSON.stringify(event), "application/json")
    },
    async sendBatch() { await this.post(this.ndjson, "application/x-ndjson") },
    async post(body, type) {
      this.busy = true
      const r = await Fluxgate.api("POST", "/ingest", body, { headers: { "Content-Type": type } })
      this.busy = false
      const ids = r.data && Array.isArray(r.data.ids) ? r.data.ids : []
      this.result = r.ok
        ? { ok: true, text: `${r.status} accepted ${r.data?.accepted ?? ids.length}: ${ids.join(", ")}` }
        : { ok: false, text: r.error }
    }
  }))
})
