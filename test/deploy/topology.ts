/**
 * @module test/deploy/topology — the docker-compose.yml topology as processes
 * on loopback, no Docker: one redis-server and, per Compose service, as many
 * `node --import tsx src/server.ts` processes as its `deploy.replicas`, with
 * its ROLES and environment. Only what cannot work outside Compose is changed:
 * REDIS_URL (the harness's Redis), unique KEY_PREFIX/STREAM_NAME/QUEUE_NAME/
 * TASK_QUEUE, files in a temp dir, and short timeouts so recovery fits a test.
 * Also the clients the tests use: an SSE subscriber that resumes with
 * Last-Event-ID, and the documented retrying client (see RETRY_POLICY).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createParser } from "eventsource-parser"
import { Cluster, Redis } from "ioredis"
import * as assert from "uvu/assert"
import { parse } from "yaml"
import { startRedis, uniqueName, freePort, type RedisServer } from "../helpers/redis.ts"
import { repoRoot, startServer, type ServerProcess } from "../helpers/server.ts"
import type { RedisCluster } from "./redisCluster.ts"

export const ROLES = ["api", "distributor", "worker", "generator"] as const
export type RoleService = (typeof ROLES)[number]

/** Recovery knobs shortened so a killed process's work comes back within seconds (defaults are 10–30 s). */
const FAST: Record<string, string> = {
  WORKER_HEARTBEAT_TTL_MS: "1500",
  WORKER_CONCURRENCY: "2",
  TASK_BACKOFF_MS: "100",
  PENDING_IDLE_MS: "1000",
  BLOCK_MS: "500",
  HEARTBEAT_MS: "1000",
  SHUTDOWN_TIMEOUT_MS: "5000",
  ACTOR_STUCK_MS: "10000",
  LOG_FREQUENCY: "0.5",
  APP_LOG_LEVEL: "Warning"
}

interface ComposeService {
  readonly environment?: Record<string, string | number>
  readonly deploy?: { readonly replicas?: number }
}

/** Replica counts and environments of the four Fluxgate services, read from docker-compose.yml. */
export const composeServices = (): Record<RoleService, { replicas: number; env: Record<string, string> }> => {
  const compose = parse(readFileSync(join(repoRoot, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> }
  const out = {} as Record<RoleService, { replicas: number; env: Record<string, string> }>
  for (const role of ROLES) {
    const svc = compose.services[role]
    if (svc === undefined) throw new Error(`docker-compose.yml has no ${role} service`)
    const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]))
    out[role] = { replicas: svc.deploy?.replicas ?? 1, env }
  }
  return out
}

/** One process of the topology. `server` is replaced when it is restarted. */
export interface Member {
  readonly role: RoleService
  readonly index: number
  instanceId: string
  port: number
  server: ServerProcess | undefined
  readonly url: () => string
}

export interface Topology {
  /** The harness's standalone Redis (undefined when the topology runs on a Redis Cluster). */
  readonly redis: RedisServer | undefined
  /** A client on the harness's Redis (or Cluster), for checks (stream contents, group lag). */
  readonly client: Redis | Cluster
  readonly names: { readonly prefix: string; readonly stream: string; readonly queue: string; readonly taskQueue: string; readonly group: string }
  readonly members: ReadonlyArray<Member>
  readonly of: (role: RoleService) => ReadonlyArray<Member>
  /** Start (or restart, on the same port) one member; `instanceId` changes it (a new pod, not a restarted container). */
  readonly start: (member: Member, instanceId?: string) => Promise<void>
  /** SIGKILL the member's process group (a crashed container). */
  readonly kill9: (member: Member) => Promise<void>
  /** SIGTERM and wait for the exit code (graceful stop). */
  readonly stop: (member: Member) => Promise<number | string>
  readonly close: () => Promise<void>
}

const STARTUP_MS = 60_000

/** A pause that keeps the event loop alive (the helpers' own timeouts are unref'd). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** SIGKILL a server's process group (a crashed container) and wait, bounded, for its exit. */
const killAndWait = async (server: ServerProcess): Promise<void> => {
  const child = server.child
  if (child.exitCode !== null || child.signalCode !== null || server.pid <= 0) return
  try {
    process.kill(-server.pid, "SIGKILL")
  } catch {
    child.kill("SIGKILL")
  }
  await Promise.race([server.exited, sleep(5_000)])
}

/** Wait until GET `url`/readyz answers 200 (bounded). */
export const waitReady = async (url: string, withinMs = 20_000): Promise<void> => {
  const until = Date.now() + withinMs
  let last = "no answer"
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/readyz`)
      last = `${res.status} ${await res.text()}`
      if (res.status === 200) return
    } catch (e) {
      last = String(e)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url}/readyz not 200 within ${withinMs} ms: ${last}`)
}

/**
 * Start Redis and every member of the Compose topology; all answer /readyz 200 when this resolves.
 * With `cluster`, every process talks to that Redis Cluster instead (REDIS_CLUSTER_NODES).
 */
export const startTopology = async (options: { readonly cluster?: RedisCluster } = {}): Promise<Topology> => {
  const services = composeServices()
  const redis = options.cluster === undefined ? await startRedis() : undefined
  const redisEnv: Record<string, string> = options.cluster === undefined
    ? { REDIS_URL: redis?.url ?? "" }
    : { REDIS_URL: options.cluster.url, REDIS_CLUSTER_NODES: options.cluster.nodes.join(",") }
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-topology-"))
  const names = { prefix: uniqueName("topo"), stream: uniqueName("logs"), queue: uniqueName("messages"), taskQueue: uniqueName("tasks"), group: "distributors" }
  const client = options.cluster === undefined
    ? new Redis({ port: redis?.port, host: "127.0.0.1", maxRetriesPerRequest: 1 })
    : new Cluster(options.cluster.nodes.map((n) => ({ host: "127.0.0.1", port: Number(n.split(":")[1]) })), { redisOptions: { maxRetriesPerRequest: 1 } })
  const members: Array<Member> = []
  for (const role of ROLES) {
    for (let index = 0; index < services[role].replicas; index++) {
      const member: Member = { role, index, instanceId: `${role}-${index}`, port: await freePort(), server: undefined, url: () => `http://127.0.0.1:${member.port}` }
      members.push(member)
    }
  }
  const envFor = (member: Member): Record<string, string> => ({
    ...services[member.role].env,
    ...FAST,
    ...redisEnv,
    KEY_PREFIX: names.prefix,
    STREAM_NAME: names.stream,
    QUEUE_NAME: names.queue,
    TASK_QUEUE: names.taskQueue,
    CONSUMER_GROUP: names.group,
    INSTANCE_ID: member.instanceId,
    OUTPUT_PATH: join(dir, `${member.instanceId}-processed.log`),
    LOG_FILE: join(dir, `${member.instanceId}-app.log`),
    GENERATOR_ENABLED: member.role === "generator" ? "true" : "false"
  })
  const start = async (member: Member, instanceId?: string) => {
    if (instanceId !== undefined) member.instanceId = instanceId
    member.server = await startServer(envFor(member), { port: member.port, timeoutMs: STARTUP_MS })
    await waitReady(member.url())
  }
  const kill9 = async (member: Member) => {
    if (member.server !== undefined) await killAndWait(member.server)
  }
  const stop = async (member: Member) => (member.server ? member.server.stop("SIGTERM", 15_000) : "not running")
  const close = async () => {
    await Promise.all(members.map((m) => (m.server === undefined ? undefined : killAndWait(m.server))))
    client.disconnect()
    if (redis !== undefined) await Promise.race([redis.kill(), sleep(5_000)])
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await Promise.all(members.map((m) => start(m)))
  } catch (e) {
    await close()
    throw e
  }
  return { redis, client, names, members, of: (role) => members.filter((m) => m.role === role), start, kill9, stop, close }
}

// ---------------------------------------------------------------- clients

/** An SSE subscriber that keeps every event; `resume` reconnects (anywhere) from the last id seen. */
export interface Subscriber {
  readonly events: Array<{ id: string; data: Record<string, unknown> }>
  /** Resolves when the response headers arrived (the subscription is registered). */
  readonly opened: Promise<void>
  /** Resolves when the stream ends or fails (e.g. its distributor was killed). */
  readonly ended: Promise<string>
  readonly lastId: () => string | undefined
  readonly close: () => void
}

/** Subscribe to `url` (a /subscribe URL with filters), resuming after `lastEventId` when given. */
export const subscribe = (url: string, lastEventId?: string, events: Subscriber["events"] = []): Subscriber => {
  const abort = new AbortController()
  let opened!: () => void
  let failedOpen!: (e: unknown) => void
  const openedP = new Promise<void>((res, rej) => ((opened = res), (failedOpen = rej)))
  const parser = createParser({
    onEvent: (e) => {
      if (e.event !== undefined && e.event !== "message") return
      if (e.id === undefined) return
      events.push({ id: e.id, data: JSON.parse(e.data) as Record<string, unknown> })
    }
  })
  const ended = (async () => {
    try {
      const res = await fetch(url, { headers: lastEventId ? { "Last-Event-ID": lastEventId } : {}, signal: abort.signal })
      if (res.status !== 200 || res.body === null) {
        const text = await res.text()
        throw new Error(`subscribe ${url}: ${res.status} ${text}`)
      }
      opened()
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return "ended"
        parser.feed(decoder.decode(value, { stream: true }))
      }
    } catch (e) {
      failedOpen(e)
      return abort.signal.aborted ? "closed" : `failed: ${String(e)}`
    }
  })()
  openedP.catch(() => {})
  return { events, opened: openedP, ended, lastId: () => events.at(-1)?.id, close: () => abort.abort() }
}

/**
 * The client retry policy the topology promises to survive (documented in deploy/SCALING.md): a request
 * that could not reach a replica (connection refused/reset) or was refused with 503 (draining, Redis down)
 * was not applied, so it is sent again — to the next replica — after a short pause, up to `attempts` times.
 */
export const RETRY_POLICY = { attempts: 6, pauseMs: 100 }

export interface RetryStats {
  requests: number
  retries: number
  failures: Array<string>
}

/** Send `init` to `path` on the replicas in turn, starting at `first`, retrying per RETRY_POLICY. */
export const requestWithRetry = async (
  replicas: ReadonlyArray<Member>,
  first: number,
  path: string,
  init: RequestInit,
  stats: RetryStats
): Promise<Response | undefined> => {
  stats.requests++
  let last = ""
  for (let attempt = 0; attempt < RETRY_POLICY.attempts; attempt++) {
    const member = replicas[(first + attempt) % replicas.length]
    if (attempt > 0) {
      stats.retries++
      await new Promise((r) => setTimeout(r, RETRY_POLICY.pauseMs))
    }
    try {
      const res = await fetch(`${member.url()}${path}`, init)
      if (res.status !== 503) return res
      last = `503 from ${member.instanceId}: ${await res.text()}`
    } catch (e) {
      last = `${member.instanceId}: ${String((e as { cause?: unknown }).cause ?? e)}`
    }
  }
  stats.failures.push(`${init.method ?? "GET"} ${path}: ${last}`)
  return undefined
}

/** Poll `check` until it returns a value (not undefined) or `withinMs` passes (then throw with `what`). */
export const eventually = async <A>(what: string, withinMs: number, check: () => Promise<A | undefined>): Promise<A> => {
  const until = Date.now() + withinMs
  let lastError: unknown
  while (Date.now() < until) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (e) {
      lastError = e
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what}: not within ${withinMs} ms${lastError ? ` (${String(lastError)})` : ""}`)
}

// ---------------------------------------------------------------- scenario steps

/** JSON request headers. */
export const json = { "content-type": "application/json" }

/** POST events to one api; returns the stream ids it acknowledged. */
export const ingest = async (api: Member, batch: ReadonlyArray<Record<string, unknown>>): Promise<Array<string>> => {
  const res = await fetch(`${api.url()}/ingest`, { method: "POST", headers: json, body: JSON.stringify(batch) })
  const body = (await res.json()) as { ids: Array<string> }
  assert.is(res.status, 202, JSON.stringify(body))
  return body.ids
}

/** `count` log events of `source` whose messages are `<label>-<n>`, n from `from`. */
export const events = (source: string, label: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ source, level: "info", message: `${label}-${from + i}` }))

/** Task records by id, read through an api (any replica can answer: state lives in Redis). */
export const statuses = async (api: Member, ids: ReadonlyArray<string>) =>
  Promise.all(ids.map(async (id) => {
    const res = await fetch(`${api.url()}/tasks/${id}/status`)
    return (await res.json()) as { task_id?: string; status: string; handled_by?: string; initiated_by?: string; checked_by?: string }
  }))

/** POST /task to one api; 202 with the task id and the api that initiated it. */
export const createTask = async (api: Member, payload: Record<string, unknown>) => {
  const res = await fetch(`${api.url()}/task`, { method: "POST", headers: json, body: JSON.stringify(payload) })
  const body = (await res.json()) as { task_id: string; initiated_by: string }
  assert.is(res.status, 202, JSON.stringify(body))
  return body
}

/** The messages of received SSE events, in order. */
export const messages = (received: ReadonlyArray<{ data: Record<string, unknown> }>) => received.map((e) => String(e.data.message))
/** Stream ids strictly increasing (ms-seq compared numerically). */
export const increasing = (ids: ReadonlyArray<string>) =>
  ids.every((id, i) => {
    if (i === 0) return true
    const [a, b] = [ids[i - 1].split("-").map(BigInt), id.split("-").map(BigInt)]
    return b[0] > a[0] || (b[0] === a[0] && b[1] > a[1])
  })

/** Assert `actual` is exactly `expected`, in order; on failure say where and how (counts, first difference, duplicates). */
export const sameSequence = (actual: ReadonlyArray<string>, expected: ReadonlyArray<string>, what: string): void => {
  const first = expected.findIndex((e, i) => actual[i] !== e)
  const seen = new Set<string>()
  const duplicates = actual.filter((a) => (seen.has(a) ? true : (seen.add(a), false)))
  const missing = expected.filter((e) => !seen.has(e))
  const same = actual.length === expected.length && first === -1
  assert.ok(
    same,
    `${what}: received ${actual.length}, expected ${expected.length}; first difference at ${first === -1 ? actual.length : first} ` +
      `(got ${JSON.stringify(actual[first === -1 ? expected.length : first])}, expected ${JSON.stringify(expected[first])}); ` +
      `duplicates ${JSON.stringify(duplicates.slice(0, 10))}; missing ${JSON.stringify(missing.slice(0, 10))}`
  )
}

/**
 * uvu 0.5 drops an error thrown by a `before` hook without a word (its runner returns from
 * `finally`). Run set-up through this instead: the error is printed at once and every test
 * of the suite fails with it.
 */
export const setUp = <A>(start: () => Promise<A>) => {
  let value: A | undefined
  let failure: unknown
  return {
    hook: async () => {
      try {
        value = await start()
      } catch (e) {
        failure = e
        console.error(`\nset-up failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
      }
    },
    get: (): A => {
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure))
      if (value === undefined) throw new Error("set-up did not run")
      return value
    },
    /** The value if set-up succeeded (for `after`). */
    peek: (): A | undefined => value
  }
}
