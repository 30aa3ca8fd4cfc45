/**
 * @module bench/tracing — what the in-memory span buffer costs ingest.
 *
 * Builds the same collector process twice in one run, once with
 * TRACE_BUFFER_SPANS=4096 (every request span, collector batch span and
 * writer span recorded and queryable) and once with TRACE_BUFFER_SPANS=0
 * (spans are made, traceparent flows, nothing is recorded), and drives
 * `POST /ingest` through the app's fetch handler (no sockets, so the tracing
 * cost is not hidden under network noise) with a fixed number of requests in
 * flight. Rounds alternate on/off so drift hits both; each round pair gives a
 * ratio and the trimmed mean of pair ratios is reported, for throughput
 * (req/s) and for CPU time per request (process.cpuUsage). On a busy shared
 * box both swing by ±30%, so the recorder's own cost is also measured in
 * isolation (µs per span, plain vs recording tracer) and scaled by the spans
 * recorded per request. Target: tracing costs < 10% of ingest throughput.
 *
 *   node --import tsx bench/tracing.ts [requests-per-round=1500] [rounds=15] [concurrency=32]
 *   BENCH_REDIS_URL=redis://127.0.0.1:6390 … to write to a real Redis instead of the embedded broker
 */
import { Context, Effect, Exit, Option, Tracer } from "effect"
import { makeConfig } from "../src/config.ts"
import { buildApp } from "../src/main.ts"
import { makeBuffer } from "../src/telemetry/buffer.ts"
import { toRecord } from "../src/telemetry/spans.ts"
import { makeRecordingTracer, nowNanos, plainTracer } from "../src/telemetry/tracer.ts"

const [requests = 1500, rounds = 15, concurrency = 32] = process.argv.slice(2).map(Number)
const redisUrl = process.env.BENCH_REDIS_URL

const body = JSON.stringify([
  { source: "bench", level: "INFO", message: "user signed in", metadata: { user: "u-1", region: "eu" } },
  { source: "bench", level: "WARN", message: "slow query", metadata: { ms: 812 } }
])

const drive = (fetch: (r: Request) => Response | Promise<Response>, n: number) =>
  Effect.promise(async () => {
    let next = 0
    let failures = 0
    const cpu = process.cpuUsage()
    const start = performance.now()
    const lane = async () => {
      while (next < n) {
        next++
        const res = await fetch(new Request("http://bench/ingest", {
          method: "POST",
          // No traceparent, as most clients send: every request starts its own trace.
          headers: { "content-type": "application/json" },
          body
        }))
        if (res.status !== 202) failures++
        await res.arrayBuffer()
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane))
    const used = process.cpuUsage(cpu)
    return { rps: n / ((performance.now() - start) / 1000), cpuUsPerReq: (used.user + used.system) / n, failures }
  })

/** Spans the process has recorded so far (from its /debug/traces). */
const bufferStats = (app: { readonly request: (path: string) => Response | Promise<Response> }) =>
  Effect.promise(async () => {
    const res = await app.request("/debug/traces?limit=1")
    return ((await res.json()) as { buffer: { spans_recorded: number; kept_fraction: number } }).buffer
  })
const spansRecorded = (app: { readonly request: (path: string) => Response | Promise<Response> }) =>
  Effect.map(bufferStats(app), (b) => b.spans_recorded)

const variant = (traceBufferSpans: number, stream: string) =>
  buildApp(makeConfig({
    roles: ["collector"],
    instanceId: `bench-${traceBufferSpans}`,
    streamName: stream,
    traceBufferSpans,
    redisUrl,
    keyPrefix: `bench-${Date.now()}`,
    trimMaxLen: 10_000
  }), "node")

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** Mean of the middle 60% (a shared 2-core box gives wild outliers both ways). */
const trimmedMean = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const cut = Math.floor(sorted.length * 0.2)
  const mid = sorted.slice(cut, sorted.length - cut)
  return mid.reduce((a, b) => a + b, 0) / mid.length
}

/**
 * The recorder's own cost, isolated: make and end `n` spans (3 attributes, a
 * parent) through the plain tracer and through the recording tracer, and
 * return the extra µs per span. Tighter than end-to-end rates on a busy box.
 */
const perSpanCost = (n: number) => {
  const buffer = makeBuffer(4096)
  const recording = makeRecordingTracer(plainTracer, (span, end, exit) => buffer.add(toRecord(span, end, exit, "bench")), () => false)
  const parent = Option.some(Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" }))
  const run = (tracer: Tracer.Tracer) => {
    const cpu = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      const span = tracer.span("collector.append", parent, Context.empty(), [], nowNanos(), "internal")
      span.attribute("actor", "collector")
      span.attribute("fiber", "writer")
      span.attribute("entries", i)
      span.end(nowNanos(), Exit.void)
    }
    const used = process.cpuUsage(cpu)
    return (used.user + used.system) / n
  }
  const plain: Array<number> = []
  const rec: Array<number> = []
  for (let round = 0; round < 7; round++) {
    plain.push(run(plainTracer))
    rec.push(run(recording))
  }
  return { plain: median(plain), recording: median(rec) }
}

const program = Effect.scoped(Effect.gen(function*() {
  const on = yield* variant(4096, "bench-tracing-on")
  const off = yield* variant(0, "bench-tracing-off")
  const fetchOn = (r: Request) => on.app.fetch(r)
  const fetchOff = (r: Request) => off.app.fetch(r)
  // warm-up: JIT, module init, stream creation
  yield* drive(fetchOn, 500)
  yield* drive(fetchOff, 500)
  const spansBefore = yield* spansRecorded(on.app)
  const rps = { on: [] as Array<number>, off: [] as Array<number> }
  const cpu = { on: [] as Array<number>, off: [] as Array<number> }
  for (let i = 0; i < rounds; i++) {
    const order: Array<"on" | "off"> = i % 2 === 0 ? ["on", "off"] : ["off", "on"]
    for (const which of order) {
      const r = yield* drive(which === "on" ? fetchOn : fetchOff, requests)
      if (r.failures > 0) console.error(`${which}: ${r.failures} requests failed`)
      rps[which].push(r.rps)
      cpu[which].push(r.cpuUsPerReq)
    }
  }
  const pairs = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>) => xs.map((x, i) => x / ys[i])
  const throughput = trimmedMean(pairs(rps.on, rps.off))
  const cpuRatio = trimmedMean(pairs(cpu.on, cpu.off))
  const fmt = (xs: ReadonlyArray<number>) => xs.map((x) => x.toFixed(0)).join(", ")
  console.log(`broker: ${redisUrl ? "redis" : "embedded"}; ${rounds} round pairs × ${requests} requests (2 events each), ${concurrency} in flight`)
  console.log(`tracing buffer off: median ${median(rps.off).toFixed(0)} req/s [${fmt(rps.off)}], ${median(cpu.off).toFixed(1)} µs CPU/request`)
  console.log(`tracing buffer on:  median ${median(rps.on).toFixed(0)} req/s [${fmt(rps.on)}], ${median(cpu.on).toFixed(1)} µs CPU/request`)
  console.log(`throughput ratio on/off (trimmed mean of pairs): ${throughput.toFixed(3)}  → cost ${((1 - throughput) * 100).toFixed(1)}% (target < 10%)`)
  console.log(`CPU per request ratio on/off (trimmed mean of pairs): ${cpuRatio.toFixed(3)}  → cost ${((cpuRatio - 1) * 100).toFixed(1)}%`)
  // Spans per ingest request with the buffer on: the request span, plus its share of the batch spans.
  const spansPerRequest = ((yield* spansRecorded(on.app)) - spansBefore) / (requests * rounds)
  const kept = (yield* bufferStats(on.app)).kept_fraction
  console.log(`buffer kept ${(kept * 100).toFixed(0)}% of new unshared traces at the end (TRACE_BUFFER_TRACES_PER_S=500)`)
  const span = perSpanCost(50_000)
  const extra = span.recording - span.plain
  console.log(`recorder alone: ${span.plain.toFixed(2)} µs/span plain, ${span.recording.toFixed(2)} µs/span recorded (+${extra.toFixed(2)} µs); ` +
    `${spansPerRequest.toFixed(2)} spans/request → +${(extra * spansPerRequest).toFixed(2)} µs of ${median(cpu.off).toFixed(0)} µs CPU/request = ` +
    `${((extra * spansPerRequest) / median(cpu.off) * 100).toFixed(2)}%`)
}))

await Effect.runPromise(program)
