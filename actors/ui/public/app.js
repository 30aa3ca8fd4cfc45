// Fluxgate dashboard — shared pieces: the API client (token in sessionStorage, sent only as an
// Authorization header on writes), error formatting, tab navigation and the page header.
// Plain browser JavaScript run as-is (no build step); every panel is an Alpine.data component.
"use strict"

const TOKEN_KEY = "fluxgate.token"
const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** The API token for this browser tab (sessionStorage: gone when the tab closes, never in a URL). */
const getToken = () => {
  try { return sessionStorage.getItem(TOKEN_KEY) ?? "" } catch { return "" }
}
const setToken = (value) => {
  try { value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY) } catch { /* storage off */ }
}

/** "409 GateBusy: gate default is awaiting (state: awaiting)" plus field issues, from the API's error body. */
const describeError = (status, data, text) => {
  const err = data && typeof data === "object" ? data.error : undefined
  if (err && typeof err === "object") {
    let out = `${status} ${err.code ?? "Error"}: ${err.message ?? ""}`
    const issues = err.details && Array.isArray(err.details.issues) ? err.details.issues : []
    for (const i of issues) out += `\n  • ${i.path}: ${i.message}`
    if (status === 401) out += "\n  (set the API token in the header)"
    return out
  }
  if (status === 0) return `network error: ${text}`
  return `${status}${text ? `: ${text.slice(0, 300)}` : ""}`
}

/**
 * Call the API through /api (the same process, or a ui process proxying to API_URL).
 * Resolves to { ok, status, data, text, error } and never throws.
 */
const api = async (method, path, body, options = {}) => {
  const headers = { Accept: "application/json", ...(options.headers ?? {}) }
  const token = getToken()
  if (token && WRITE.has(method)) headers.Authorization = `Bearer ${token}`
  let payload
  if (body !== undefined) {
    if (typeof body === "string") payload = body
    else { payload = JSON.stringify(body); headers["Content-Type"] = "application/json" }
  }
  try {
    const res = await fetch(`/api${path}`, { method, headers, body: payload, cache: "no-store" })
    const text = await res.text()
    let data
    try { data = text ? JSON.parse(text) : undefined } catch { data = undefined }
    return { ok: res.ok, status: res.status, data, text, error: res.ok ? "" : describeError(res.status, data, text) }
  } catch (e) {
    return { ok: false, status: 0, data: undefined, text: String(e), error: describeError(0, undefined, String(e)) }
  }
}

/** Query string from an object, skipping empty values. */
const qs = (params) => {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ""
}

/** Human times and ages. */
const fmtTime = (ms) => (typeof ms === "number" && ms > 0 ? new Date(ms).toLocaleTimeString() : "")
const fmtAge = (ms) => {
  if (typeof ms !== "number" || !isFinite(ms)) return ""
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
const asText = (v) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v))

/** Run `fn` every `ms` while `active()` holds and the page is visible; returns a stop function. */
const every = (ms, active, fn) => {
  let busy = false
  const id = setInterval(async () => {
    if (busy || document.hidden || !active()) return
    busy = true
    try { await fn() } finally { busy = false }
  }, ms)
  return () => clearInterval(id)
}

const TABS = [
  ["tail", "Live tail"], ["send", "Send events"], ["tasks", "Tasks"], ["queue", "Queue"],
  ["gate", "IO gate"], ["generator", "Generator"], ["health", "Health"], ["traces", "Traces"]
]

/** Whether panel `id` is the one on screen (panels poll only while shown). */
const showing = (id) => window.Alpine !== undefined && Alpine.store("ui").tab === id

window.Fluxgate = { api, qs, getToken, setToken, describeError, fmtTime, fmtAge, asText, every, showing, TABS }

document.addEventListener("alpine:init", () => {
  Alpine.store("ui", { tab: "tail" })
  // The page shell: tabs (linkable with #hash, arrow keys move between them), token, identity.
  Alpine.data("shell", () => ({
    tabs: TABS,
    tab: "tail",
    token: getToken(),
    tokenSaved: getToken() !== "",
    who: null,
    init() {
      const fromHash = () => {
        const h = location.hash.replace("#", "")
        if (TABS.some(([id]) => id === h)) { this.tab = h; Alpine.store("ui").tab = h }
      }
      fromHash()
      window.addEventListener("hashchange", fromHash)
      this.loadWho()
    },
    select(id, focus = false) {
      this.tab = id
      Alpine.store("ui").tab = id
      history.replaceState(null, "", `#${id}`)
      if (focus) this.$nextTick(() => document.getElementById(`tab-${id}`)?.focus())
    },
    onTabKey(event) {
      const i = TABS.findIndex(([id]) => id === this.tab)
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key]
      if (step !== undefined) { event.preventDefault(); this.select(TABS[(i + step + TABS.length) % TABS.length][0], true) }
      if (event.key === "Home") { event.preventDefault(); this.select(TABS[0][0], true) }
      if (event.key === "End") { event.preventDefault(); this.select(TABS[TABS.length - 1][0], true) }
    },
    saveToken() { setToken(this.token.trim()); this.tokenSaved = this.token.trim() !== "" },
    clearToken() { this.token = ""; this.saveToken() },
    async loadWho() {
      const r = await api("GET", "/whoami")
      this.who = r.ok ? r.data : null
    }
  }))
})
