/**
 * @module bench/tasks — Fluxgate's task queue against BullMQ on one Redis.
 *
 * Starts its own redis-server (loopback, free port, no persistence), then for
 * each system, in the same run and at the same worker concurrency:
 * - enqueue/s: N tasks handed to the queue (Fluxgate: records + envelopes via
 *   the task API's bulk path, `enqueueTasks`; BullMQ: `Queue.addBulk` in chunks);
 * - processed/s: from starting the worker until all N are done, through the
 *   real worker code (Fluxgate: `WorkerLive` — lease, start, no-op `add`
 *   handler, record, ack; BullMQ: `Worker` with a no-op processor and
 *   `removeOnComplete`).
 * Prints both and the ratios per round, rounds alternating, and the median
 * ratio. Bounded: every wait has a deadline.
 *
 *   node --import tsx bench/tasks.ts [tasks=10000] [concurrency=50] [rounds=3]
 */
import { Queue, Worker } from "bullmq"
import { Effect, Layer } from "effect"
import { enqueueTasks } from "../actors/tasks/store.ts"
import { ActorRegistry } from "../src/actor/registry.ts"
import { Broker } from "../src/broker/Broker.ts"
import { keys } from "../src/broker/keys.ts"
import { makeConfig, type Role } from "../src/config.ts"
import { processLayer } from "../src/main.ts"
import { startRedis, uniqueName } from "../test/helpers/redis.ts"

const [total = 10_000, concurrency = 50, rounds = 3] = process.argv.slice(2).map(Number)
const CHUNK = 1_000
const DEADLINE_MS = 40_000

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000))

const waitFor = async (what: string, done: () => boolean | Promise<boolean>) => {
  const deadline = performance.now() + DEADLINE_MS
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${DEADLINE_MS} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const fluxgate = (url: string) => {
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
    const started = performance.now()
    for (let i = 0; i < total; i += CHUNK) {
      const batch = Array.from({ length: Math.min(CHUNK, total - i) }, (_, j) => ({ type: "add", payload: { a: i, b: j } }))
      yield* enqueueTasks(ctx, config.taskQueue, batch)
    }
    const enqueueMs = performance.now() - started
    const queued = yield* broker.listLength(config.taskQueue)
    if (queued !== total) throw new Error(`fluxgate: ${queued} queued, expected ${total}`)

    const workerStarted = performance.now()
    const worker = yield* Layer.build(processLayer(withRoles(["worker"]), "node"))
    const registry = yield* Effect.provide(ActorRegistry, worker)
    yield* Effect.promise(() => waitFor("fluxgate processing", () => registry.actor("worker").handled >= total))
    const processMs = performance.now() - workerStarted
    const left = yield* broker.listLength(config.taskQueue)
    return { enqueue: rate(total, enqueueMs), processed: rate(total, processMs), failed: registry.actor("worker").failed, left }
  })))
}

const bullmq = async (port: number) => {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null }
  const name = uniqueName("bull")
  const queue = new Queue(name, { connection })
  try {
    const started = performance.now()
    for (let i = 0; i < total; i += CHUNK) {
      await queue.addBulk(Array.from({ length: Math.min(CHUNK, total - i) }, (_, j) => ({
        name: "add",
        data: { a: i, b: j },
        opts: { removeOnComplete: true }
      })))
    }
    const enqueueMs = performance.now() - started
    let completed = 0
    const workerStarted = performance.now()
    const worker = new Worker(name, async (job) => job.data.a + job.data.b, { connection, concurrency })
    worker.on("completed", () => void completed++)
    try {
      await waitFor("bullmq processing", () => completed >= total)
    } finally {
      await worker.close()
    }
    return { enqueue: rate(total, enqueueMs), processed: rate(total, performance.now() - workerStarted) }
  } finally {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const redis = await startRedis()
try {
  console.log(`tasks=${total} concurrency=${concurrency} rounds=${rounds} redis=${redis.url}`)
  // Rounds alternate between the two so load from elsewhere on the box hits both; the median
  // of the per-round ratios is the figure (this box is shared and noisy).
  const enqueueRatios: Array<number> = []
  const processedRatios: Array<number> = []
  for (let round = 1; round <= rounds; round++) {
    const bull = await bullmq(redis.port)
    const flux = await fluxgate(redis.url)
    if (flux.failed > 0 || flux.left > 0) throw new Error(`fluxgate: ${flux.failed} failed, ${flux.left} left`)
    enqueueRatios.push(flux.enqueue / bull.enqueue)
    processedRatios.push(flux.processed / bull.processed)
    console.log(
      `round ${round}: enqueue/s fluxgate ${flux.enqueue} bullmq ${bull.enqueue} (${(flux.enqueue / bull.enqueue).toFixed(2)}×)` +
        `  processed/s fluxgate ${flux.processed} bullmq ${bull.processed} (${(flux.processed / bull.processed).toFixed(2)}×)`
    )
  }
  console.log(
    `median ratio (fluxgate / bullmq): enqueue ${median(enqueueRatios).toFixed(2)}×  processed ${median(processedRatios).toFixed(2)}×` +
      `  (targets: enqueue ≥ 5×, processed ≥ 3×)`
  )
} finally {
  await redis.kill()
}
process.exit(0)
