/**
 * @module ui/welcome — seed 002's `/` welcome message, answered to
 * `Accept: application/json` (browsers asking for HTML get the dashboard).
 */

/** One line of the endpoint list. */
export interface EndpointInfo {
  readonly method: string
  readonly path: string
  readonly description: string
}

/** Every public endpoint, for people and scripts that ask `/` what is here. */
export const ENDPOINTS: ReadonlyArray<EndpointInfo> = [
  { method: "GET", path: "/", description: "the dashboard (HTML), or this message (Accept: application/json)" },
  { method: "POST", path: "/ingest", description: "append log events: one JSON object, a JSON array, or NDJSON" },
  { method: "GET", path: "/subscribe", description: "live tail over SSE (source, level, q filters; Last-Event-ID resumes)" },
  { method: "GET", path: "/logs", description: "recent events (limit, source, level, format, sample); status waiting while IO is pending" },
  { method: "GET", path: "/add", description: "synchronous a + b (seed 001)" },
  { method: "POST", path: "/task", description: "queue a task; returns task_id" },
  { method: "GET", path: "/tasks/:id/status", description: "task status with initiated_by, checked_by, handled_by" },
  { method: "GET", path: "/tasks", description: "task list (status, type, q, limit)" },
  { method: "POST", path: "/tasks/:id/retry", description: "retry a dead task" },
  { method: "POST", path: "/enqueue", description: "queue a message for the worker (seed 004)" },
  { method: "GET", path: "/queues", description: "per-queue ready, running, delayed, dead counts" },
  { method: "POST", path: "/io/start", description: "start an IO wait (gate) with an optional prompt" },
  { method: "POST", path: "/io/write", description: "write the message a waiting IO process needs" },
  { method: "GET", path: "/io/read", description: "the last message written to a gate" },
  { method: "GET", path: "/generator", description: "log generator state (PATCH to change it, POST /generator/burst for a spike)" },
  { method: "GET", path: "/config", description: "effective configuration (secrets redacted)" },
  { method: "GET", path: "/healthz", description: "health: broker, actors, lag" },
  { method: "GET", path: "/whoami", description: "this instance's id and roles" },
  { method: "GET", path: "/valkey_test", description: "broker connectivity diagnostics" },
  { method: "GET", path: "/metrics", description: "Prometheus metrics" },
  { method: "GET", path: "/debug/actors", description: "every actor fiber: state, current operation, restarts" },
  { method: "GET", path: "/debug/traces", description: "recent traces held by this process" }
]

/** The welcome document for this instance. */
export const welcome = (instanceId: string, roles: ReadonlyArray<string>) => ({
  message: "Welcome to Fluxgate — a log and task pipeline. Open / in a browser for the dashboard.",
  instance_id: instanceId,
  roles,
  endpoints: ENDPOINTS
})

/**
 * Whether a request's Accept header prefers JSON to HTML. Browsers always list
 * text/html first; `curl -H 'Accept: application/json'` and API clients don't.
 */
export const wantsJson = (accept: string | undefined): boolean => {
  if (accept === undefined) return false
  const types = accept.split(",").map((part) => part.split(";")[0]?.trim().toLowerCase() ?? "")
  const json = types.findIndex((t) => t === "application/json" || t.endsWith("+json"))
  const html = types.findIndex((t) => t === "text/html" || t === "application/xhtml+xml")
  return json !== -1 && (html === -1 || json < html)
}
