/**
 * @module bench/tasks — Fluxgate's task queue against BullMQ on one Redis.
 *
 * Starts its own redis-server (loopback, free port, no persistence), then for
 * each system, in the same run and at the same worker concurrency:
 * - enqueue: N tasks handed to the queue (Fluxgate: records + envelopes via
 *   the task API's bulk path, `enqueueTasks`; BullMQ: `Queue.addBulk`), in
 *   chunks of 1,000;
 * - processed: from starting the worker until all N are done, through the
 *   real worker code (Fluxgate: `WorkerLive` — lease, start, no-op `add`
 *   handler, record, ack; BullMQ: `Worker` with a no-op processor and
 *   `removeOnComplete`).
 * Each phase reports tasks per wall-clock second and CPU per task (this
 * process + redis-server, from process.cpuUsage and INFO cpu). On a shared,
 * loaded box wall-clock rates swing several-fold between runs; CPU per task
 * does not, so the ratio of CPU costs is the steadier figure (it is the
 * throughput ratio on an otherwise idle box whose CPUs are the limit).
 * Rounds alternate between the two; medians of the per-round ratios are printed.
 * Each system runs each round in a fresh child process of its own: in one
 * shared process the two systems' code runs through the same ioredis functions
 * and heap, and each slowed the other by a varying amount (Fluxgate's
 * processed CPU/task swung 35–75 µs that way).
 * Each child measures N tasks *early*, after 2 unmeasured warm-up rounds of
 * 5,000 tasks, and *steady*, after 20 rounds in all (≈ 100,000 tasks): the
 * steady figures are the medians of STEADY_MEASURED rounds of N (one round of
 * 10,000 tasks lasts ≈ 0.1 s for Fluxgate's enqueue, and on this shared 2-vCPU
 * VM one such window swung its rate ±40% between rounds). BullMQ is at its
 * plateau by the first; Fluxgate's worker keeps getting faster for its first
 * ≈ 100,000 tasks (its CPU per processed task falls ≈ 2×; the cause is not
 * pinned down: few deopts and the same GC count per round, the same in the
 * bundle as under tsx). A long-running worker lives at the steady figure, so
 * the targets are read there; the early figures are printed next to them.
 * A third child, the *floor* (bench/taskFloor), enqueues the same tasks with
 * the least Redis work a persisted task needs (record hash + TTL + queue item,
 * raw RESP, nothing else): the enqueue target is read against BullMQ in the
 * same round next to what the floor reaches.
 * Bounded: every wait has a deadline, every child a kill timer.
 *
 *   node --import tsx bench/tasks.ts [tasks=10000] [concurrency=50] [rounds=3]
 */
import { Queue, Worker } from "bullmq"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { enqueueTasks } from "../actors/tasks/store.ts"
import { ActorRegistry } from "../src/actor/registry.ts"
import { Broker } from "../src/broker/Broker.ts"
import { keys } from "../src/broker/keys.ts"
import { makeConfig, type Role } from "../src/config.ts"
import { processLayer } from "../src/main.ts"
import { startRedis, uniqueName } from "../test/helpers/redis.ts"
import { redisCpuUs } from "./redisServer.ts"
import { enqueueFloor } from "./taskFloor.ts"

const child = process.argv[2] === "--child" ? { system: process.argv[3], url: process.argv[4] } : undefined
const [total = 10_000, concurrency = 50, rounds = 3] = process.argv.slice(child ? 5 : 2).map(Number)
const CHUNK = 1_000
const DEADLINE_MS = 40_000
/** Unmeasured rounds of WARMUP tasks run before the early measurement, and in all before the steady one. */
const WARMUP = Math.min(5_000, total)
const EARLY_WARMUP_ROUNDS = 2
const STEADY_WARMUP_ROUNDS = 20
/** Steady rounds measured (each figure of the steady Round is their median). */
const STEADY_MEASURED = 5

interface Phase {
  /** Tasks per wall-clock second. */
  readonly rate: number
  /** CPU µs per task, this process + redis-server. */
  readonly cpuUs: number
  /** The redis-server part of `cpuUs`. */
  readonly redisUs: number
}

const waitFor = async (what: string, done: () => boolean) => {
  const deadline = performance.now() + DEADLINE_MS
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Measures one phase of `count` tasks: wall time, our CPU and the Redis server's CPU. */
const meter = (admin: Redis, count: number) => async () => {
  const wall = performance.now()
  const cpu = process.cpuUsage()
  const redis = await redisCpuUs(admin)
  return async (): Promise<Phase> => {
    const ms = performance.now() - wall
    const used = process.cpuUsage(cpu)
    const redisUsed = (await redisCpuUs(admin)) - redis
    return {
      rate: Math.round(count / (ms / 1000)),
      cpuUs: Math.round((used.user + used.system + redisUsed) / count),
      redisUs: Math.round(redisUsed / count)
    }
  }
}

const fluxgate = (url: string, start: ReturnType<typeof meter>, total: number) => {
  const config = makeConfig({
    redisUrl: url,
    keyPrefix: uniqueName("bench"),
    instanceId: "bench",
    taskQueue: uniqueName("tasks"),
    queueName: uniqueName("messages"),
    workerConcurrency: concurrency,
    appLogLevel: "Error"
  })
  const withRoles = (roles: ReadonlyArray<Role>) => ({ ...config, roles, workerQueues: [config.taskQueue] })
  return Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    // Producer side: only the broker (no worker yet), so enqueue is measured alone.
    const producer = yield* Layer.build(processLayer(withRoles([]), "node"))
    const broker = yield* Effect.provide(Broker, producer)
    const ctx = { broker, config, keys: keys(config.keyPrefix) }
    const enqueueDone = yield* Effect.promise(start)
    for (let i = 0; i < total; i += CHUNK) {
      const batch = Array.from({ length: Math.min(CHUNK, total - i) }, (_, j) => ({ type: "add", payload: { a: i, b: j } }))
      yield* enqueueTasks(ctx, config.taskQueue, batch)
    }
    const enqueue = yield* Effect.promise(enqueueDone)
    const queued = yield* broker.listLength(config.taskQueue)
    if (queued !== total) throw new Error(`fluxgate: ${queued} queued, expected ${total}`)

    const processDone = yield* Effect.promise(start)
    // Building the worker (connections, registration, fibers) is inside the measured window;
    // it costs ≈ 35 ms CPU, under 2% of a 10,000-task run.
    const worker = yield* Layer.build(processLayer(withRoles(["worker"]), "node"))
    const status = (yield* Effect.provide(ActorRegistry, worker)).actor("worker")
    yield* Effect.promise(() => waitFor("fluxgate processing", () => status.handled + status.failed >= total))
    const processed = yield* Effect.promise(processDone)
    if (status.failed > 0) throw new Error(`fluxgate: ${status.failed} attempts failed`)
    return { enqueue, processed }
  })))
}

const bullmq = async (url: string, start: ReturnType<typeof meter>, total: number) => {
  const connection = { host: "127.0.0.1", port: Number(new URL(url).port), maxRetriesPerRequest: null }
  const name = uniqueName("bull")
  const queue = new Queue(name, { connection })
  try {
    const enqueueDone = await start()
    for (let i = 0; i < total; i += CHUNK) {
      await queue.addBulk(Array.from({ length: Math.min(CHUNK, total - i) }, (_, j) => ({
        name: "add",
        data: { a: i, b: j },
        opts: { removeOnComplete: true }
      })))
    }
    const enqueue = await enqueueDone()
    let completed = 0
    const processDone = await start()
    const worker = new Worker(name, async (job) => job.data.a + job.data.b, { connection, concurrency })
    worker.on("completed", () => void completed++)
    try {
      await waitFor("bullmq processing", () => completed >= total)
    } finally {
      await worker.close()
    }
    return { enqueue, processed: await processDone() }
  } finally {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
  }
}

/** The floor: enqueue only (it has no worker). */
const floor = async (url: string, start: ReturnType<typeof meter>, total: number): Promise<Round> => {
  const enqueueDone = await start()
  await enqueueFloor(url, uniqueName("floor"), total, CHUNK, (i) => ({ a: i - (i % CHUNK), b: i % CHUNK }))
  return { enqueue: await enqueueDone() }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const x = (n: number) => `${n.toFixed(2)}×`

interface Round {
  readonly enqueue: Phase
  /** Absent for the floor. */
  readonly processed?: Phase
}

interface Measured {
  readonly early: Round
  readonly steady: Round
}

/** Each figure the median of the rounds' (rate, CPU and Redis CPU separately). */
const medianRound = (rounds: ReadonlyArray<Round>): Round => {
  const phase = (pick: (r: Round) => Phase | undefined): Phase | undefined => {
    const phases = rounds.map(pick).filter((p): p is Phase => p !== undefined)
    if (phases.length === 0) return undefined
    return { rate: median(phases.map((p) => p.rate)), cpuUs: median(phases.map((p) => p.cpuUs)), redisUs: median(phases.map((p) => p.redisUs)) }
  }
  const processed = phase((r) => r.processed)
  return { enqueue: phase((r) => r.enqueue)!, ...(processed === undefined ? {} : { processed }) }
}

/** Child: warm up, measure early, warm up more, measure steady; the result is the last line of stdout. */
const runChild = async (system: string, url: string) => {
  const admin = new Redis(url)
  try {
    const run = system === "fluxgate" ? fluxgate : system === "bullmq" ? bullmq : floor
    const warmUp = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) await run(url, meter(admin, WARMUP), WARMUP)
    }
    await warmUp(EARLY_WARMUP_ROUNDS)
    const early: Round = await run(url, meter(admin, total), total)
    await warmUp(STEADY_WARMUP_ROUNDS - EARLY_WARMUP_ROUNDS - 1)
    const measured: Array<Round> = []
    for (let i = 0; i < STEADY_MEASURED; i++) measured.push(await run(url, meter(admin, total), total))
    const steady = medianRound(measured)
    console.log(JSON.stringify({ early, steady } satisfies Measured))
  } finally {
    admin.disconnect()
  }
}

/** Parent: one round of `system` in a fresh process. */
const inChild = (system: string, url: string) =>
  new Promise<Measured>((resolve, reject) => {
    const args = [...process.execArgv, fileURLToPath(import.meta.url), "--child", system, url, String(total), String(concurrency)]
    execFile(process.execPath, args, { timeout: 3 * DEADLINE_MS, maxBuffer: 16 << 20, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${system} child: ${error.message}\n${stderr}`))
      resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as Measured)
    })
  })

if (child) {
  await runChild(child.system, child.url)
  process.exit(0)
}

const redis = await startRedis()
try {
  console.log(`tasks=${total} concurrency=${concurrency} rounds=${rounds} warm-up: early after ${EARLY_WARMUP_ROUNDS}×${WARMUP}, steady after ${STEADY_WARMUP_ROUNDS} rounds (median of ${STEADY_MEASURED}) redis=${redis.url}`)
  const stages = ["early", "steady"] as const
  const ratios = Object.fromEntries(stages.map((stage) => [stage, { enqueueRate: [] as Array<number>, processedRate: [] as Array<number>, enqueueCpu: [] as Array<number>, processedCpu: [] as Array<number>, floorRate: [] as Array<number>, floorCpu: [] as Array<number> }]))
  const show = (p: Phase) => `${p.rate}/s, ${p.cpuUs} µs CPU/task (redis ${p.redisUs})`
  for (let round = 1; round <= rounds; round++) {
    const bullRun = await inChild("bullmq", redis.url)
    const fluxRun = await inChild("fluxgate", redis.url)
    const floorRun = await inChild("floor", redis.url)
    for (const stage of stages) {
      const [flux, bull, low, r] = [fluxRun[stage], bullRun[stage], floorRun[stage], ratios[stage]]
      r.enqueueRate.push(flux.enqueue.rate / bull.enqueue.rate)
      r.processedRate.push(flux.processed!.rate / bull.processed!.rate)
      r.enqueueCpu.push(bull.enqueue.cpuUs / flux.enqueue.cpuUs)
      r.processedCpu.push(bull.processed!.cpuUs / flux.processed!.cpuUs)
      r.floorRate.push(low.enqueue.rate / bull.enqueue.rate)
      r.floorCpu.push(bull.enqueue.cpuUs / low.enqueue.cpuUs)
      console.log(`round ${round} ${stage.padEnd(6)} enqueue:   fluxgate ${show(flux.enqueue)}  bullmq ${show(bull.enqueue)}  floor ${show(low.enqueue)}`)
      console.log(`round ${round} ${stage.padEnd(6)} processed: fluxgate ${show(flux.processed!)}  bullmq ${show(bull.processed!)}`)
    }
  }
  for (const stage of stages) {
    const r = ratios[stage]
    console.log(`${stage.padEnd(6)} median fluxgate/bullmq, wall-clock rate: enqueue ${x(median(r.enqueueRate))}  processed ${x(median(r.processedRate))}`)
    console.log(`${stage.padEnd(6)} median bullmq/fluxgate, CPU per task:   enqueue ${x(median(r.enqueueCpu))}  processed ${x(median(r.processedCpu))}`)
    console.log(`${stage.padEnd(6)} median floor/bullmq enqueue: wall-clock rate ${x(median(r.floorRate))}, CPU per task (bullmq/floor) ${x(median(r.floorCpu))}`)
  }
  console.log("targets (steady): enqueue ≥ 5×, processed ≥ 3×")
} finally {
  await redis.kill()
}
process.exit(0)
