// Fluxgate dashboard — tasks (seed 001's Math Wizard: sync add, async tasks with the three
// identities, the task list with retry) and the queue panel (seed 004: enqueue, live depths).
"use strict"

const TERMINAL = new Set(["succeeded", "failed", "dead"])
const STATUSES = ["queued", "running", "retrying", "succeeded", "failed"]
const PAYLOADS = {
  add: '{"a": 2, "b": 3}',
  sleep: '{"ms": 1000}',
  ask: '{"prompt": "Approve the deploy?"}',
  message: '{"message": "hello from the dashboard"}'
}

/** A list out of whatever shape the API used: an array, or an object holding one. */
const listOf = (data, key) => {
  if (Array.isArray(data)) return data
  if (data && Array.isArray(data[key])) return data[key]
  if (data && data[key] && typeof data[key] === "object") return Object.entries(data[key]).map(([name, v]) => ({ name, ...v }))
  return []
}

document.addEventListener("alpine:init", () => {
  Alpine.data("tasks", () => ({
    statuses: STATUSES,
    types: Object.keys(PAYLOADS),
    sync: { a: 2, b: 3, result: null, error: "" },
    simple: { a: 5, b: 7 },
    general: { type: "sleep", payload: PAYLOADS.sleep, max_attempts: "", idempotency_key: "" },
    submitError: "",
    tracked: [], // tasks submitted from this tab, polled until they finish
    list: [],
    listError: "",
    filters: { status: "", type: "", q: "" },
    init() {
      Fluxgate.every(500, () => this.tracked.some((t) => !TERMINAL.has(t.status)), () => this.poll())
      Fluxgate.every(3000, () => Fluxgate.showing("tasks"), () => this.refresh())
      this.refresh()
    },
    async addNow() {
      const r = await Fluxgate.api("GET", `/add${Fluxgate.qs({ a: this.sync.a, b: this.sync.b })}`)
      this.sync.result = r.ok ? r.data : null
      this.sync.error = r.ok ? "" : r.error
    },
    async submitSimple() { await this.submit({ a: Number(this.simple.a), b: Number(this.simple.b) }) },
    async submitGeneral() {
      let payload
      try { payload = JSON.parse(this.general.payload || "{}") } catch (e) { this.submitError = `payload is not valid JSON: ${e.message}`; return }
      const body = { type: this.general.type, payload }
      if (this.general.max_attempts !== "") body.max_attempts = Number(this.general.max_attempts)
      if (this.general.idempotency_key) body.idempotency_key = this.general.idempotency_key
      await this.submit(body)
    },
    pickType() { this.general.payload = PAYLOADS[this.general.type] ?? "{}" },
    async submit(body) {
      const r = await Fluxgate.api("POST", "/task", body)
      this.submitError = r.ok ? "" : r.error
      if (!r.ok) return
      const t = { task_id: r.data.task_id, type: body.type ?? "add", status: r.data.status ?? "queued", initiated_by: r.data.initiated_by ?? "", checked_by: "", handled_by: "", attempts: 0, result: undefined, error: "" }
      this.tracked = [t, ...this.tracked.filter((x) => x.task_id !== t.task_id)].slice(0, 20)
      await this.poll()
    },
    async poll() {
      for (const t of this.tracked) {
        if (TERMINAL.has(t.status)) continue
        const r = await Fluxgate.api("GET", `/tasks/${encodeURIComponent(t.task_id)}/status`)
        if (r.ok) Object.assign(t, r.data, { error: Fluxgate.asText(r.data.error) })
        else t.error = r.error
      }
      this.tracked = [...this.tracked]
    },
    async refresh() {
      const r = await Fluxgate.api("GET", `/tasks${Fluxgate.qs({ ...this.filters, limit: 50 })}`)
      this.listError = r.ok ? "" : r.error
      if (r.ok) this.list = listOf(r.data, "tasks")
    },
    async retry(task) {
      const r = await Fluxgate.api("POST", `/tasks/${encodeURIComponent(task.task_id)}/retry`)
      task.retryError = r.ok ? "" : r.error
      if (r.ok) {
        const t = { ...task, status: r.data?.status ?? "queued", error: "" }
        this.tracked = [t, ...this.tracked.filter((x) => x.task_id !== t.task_id)]
      }
      await this.refresh()
    },
    text: Fluxgate.asText,
    when: (ms) => Fluxgate.fmtTime(typeof ms === "string" ? Date.parse(ms) : ms)
  }))

  Alpine.data("queue", () => ({
    message: "hello from the dashboard",
    result: null,
    queues: [],
    error: "",
    updated: "",
    init() {
      Fluxgate.every(1500, () => Fluxgate.showing("queue"), () => this.load())
      this.load()
    },
    async enqueue() {
      const r = await Fluxgate.api("POST", "/enqueue", { message: this.message })
      this.result = r.ok ? { ok: true, text: `enqueued: task ${r.data.task_id}` } : { ok: false, text: r.error }
      await this.load()
    },
    async load() {
      const r = await Fluxgate.api("GET", "/queues")
      this.error = r.ok ? "" : r.error
      if (!r.ok) return
      this.queues = listOf(r.data, "queues").map((q) => ({
        name: q.name ?? q.queue ?? "?",
        ready: q.ready ?? 0,
        running: q.running ?? 0,
        delayed: q.delayed ?? 0,
        dead: q.dead ?? 0,
        deadMax: q.dead_max ?? null,
        capped: Boolean(q.dead_cap_reached ?? (q.dead_max && (q.dead ?? 0) >= q.dead_max)),
        workers: q.workers ?? "",
        oldest: Fluxgate.fmtAge(q.oldest_ready_age_ms ?? q.oldest_age_ms ?? q.oldest_ms)
      }))
      this.updated = new Date().toLocaleTimeString()
    }
  }))
})
