/**
 * @module collector — the collector actor (role `collector`): `POST /ingest`
 * validates events at the edge and hands them to one supervised writer fiber
 * that group-commits them to `STREAM_NAME` (`XADD MAXLEN ~ TRIM_MAXLEN`).
 */
import { Effect, Layer } from "effect"
import { ActorRegistry } from "../../src/actor/registry.ts"
import { handleMessage, supervise } from "../../src/actor/supervise.ts"
import { keys } from "../../src/broker/keys.ts"
import { AppConfig } from "../../src/config.ts"
import { registerRoutes } from "../../src/http/routes.ts"
import { Lifecycle } from "../../src/lifecycle.ts"
import { makeGroupCommit } from "./groupCommit.ts"
import { collectorRoutes } from "./routes.ts"

export { LEVELS, levelRank, parseLevel, type Level, type LogEvent, type LogRecord } from "./event.ts"

/** The collector actor: its writer fiber and its route. */
export const CollectorLive = Layer.scopedDiscard(Effect.gen(function*() {
  const config = yield* AppConfig
  const registry = yield* ActorRegistry
  const lifecycle = yield* Lifecycle
  const tracer = yield* Effect.tracer
  const commit = makeGroupCommit({
    stream: keys(config.keyPrefix).stream(config.streamName),
    maxLen: config.trimMaxLen,
    batchMax: config.ingestBatchMax,
    capacity: config.collectorMailbox
  })
  // Registered before the writer is forked, so it runs after the writer stops: nobody is left waiting.
  yield* Effect.addFinalizer(() => commit.failAll("collector shutting down"))
  registry.actor("collector").gauges.set("mailbox_events", commit.depth)
  // Two writers: the second takes a turn only when a full batch is queued behind a write in flight.
  for (const [fiber, min] of [["writer", 1], ["writer-2", config.ingestBatchMax]] as const) {
    yield* supervise(
      "collector",
      fiber,
      commit.waitForWork(min).pipe(Effect.zipRight(handleMessage("collector", fiber, "append", commit.writeBatch)))
    )
  }
  yield* registerRoutes<never>("collector", (run) => collectorRoutes(run, commit, config, lifecycle, tracer))
}))
