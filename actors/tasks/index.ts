/**
 * @module tasks — the task API (role `tasks`): seed 001's `/add`, `/task` and
 * `/tasks/:id/status` with its three identities (initiated_by, checked_by,
 * handled_by), seed 004's `/enqueue`, and `/tasks`, retry, delete and
 * `/queues`. It only writes records and queue items; workers run the tasks.
 */
import { Effect, Layer } from "effect"
import { Hono } from "hono"
import { Broker } from "../../src/broker/Broker.ts"
import { keys } from "../../src/broker/keys.ts"
import { AppConfig } from "../../src/config.ts"
import { InvalidPayload } from "../../src/errors.ts"
import { decodeInput, json, readText, registerRoutes, type AppEnv } from "../../src/http/routes.ts"
import { recordView } from "../worker/task.ts"
import { AddQuery, decodeEnqueueBody, decodeTaskBodies, ListQuery } from "./inputs.ts"
import { deleteRecord, enqueueTask, enqueueTasks, getRecord, listRecords, queueSummary, retryTask, type StoreContext } from "./store.ts"

const taskId = (raw: string) =>
  raw.length > 0 && raw.length <= 128
    ? Effect.succeed(raw)
    : Effect.fail(new InvalidPayload({ message: "invalid path: id: must be 1 to 128 characters", issues: [{ path: "id", message: "must be 1 to 128 characters" }] }))

/** The task API's Layer. */
export const TasksLive = Layer.scopedDiscard(Effect.gen(function*() {
  const broker = yield* Broker
  const config = yield* AppConfig
  const ctx: StoreContext = { broker, config, keys: keys(config.keyPrefix) }
  const me = config.instanceId
  const queues = [...new Set([config.queueName, config.taskQueue, ...config.workerQueues])]

  yield* registerRoutes<never>("tasks", (run) =>
    new Hono<AppEnv>()
      .get("/add", (c) =>
        run(c, Effect.gen(function*() {
          const { a, b } = yield* decodeInput(AddQuery, { a: c.req.query("a"), b: c.req.query("b") }, "query")
          return c.json({ a, b, result: a + b, handled_by: me })
        })))
      .post("/task", (c) =>
        run(c, Effect.gen(function*() {
          const { bulk, tasks } = yield* decodeTaskBodies(yield* readText(c), config.maxMessageBytes)
          if (bulk) {
            const ids = yield* enqueueTasks(ctx, config.taskQueue, tasks)
            return c.json({ task_ids: ids, status: "queued", initiated_by: me }, 202)
          }
          const { taskId: id } = yield* enqueueTask(ctx, { queue: config.taskQueue, ...tasks[0] })
          return c.json({ task_id: id, status: "queued", initiated_by: me }, 202)
        })))
      .post("/enqueue", (c) =>
        run(c, Effect.gen(function*() {
          const message = yield* decodeEnqueueBody(yield* readText(c), c.req.header("content-type"), config.maxMessageBytes)
          const { taskId: id } = yield* enqueueTask(ctx, { queue: config.queueName, type: "message", payload: { message } })
          return c.json({ enqueued: true, task_id: id })
        })))
      .get("/tasks", (c) =>
        run(c, Effect.gen(function*() {
          const query = yield* decodeInput(ListQuery, c.req.query(), "query")
          const records = yield* listRecords(ctx, { ...query, limit: query.limit ?? 50 })
          return c.json({ tasks: records.map((r) => recordView(r, me)), checked_by: me })
        })))
      .get("/tasks/:id/status", (c) =>
        run(c, Effect.gen(function*() {
          const record = yield* getRecord(ctx, yield* taskId(c.req.param("id")))
          return c.json(recordView(record, me))
        })))
      .post("/tasks/:id/retry", (c) =>
        run(c, Effect.flatMap(Effect.flatMap(taskId(c.req.param("id")), (id) => retryTask(ctx, id)), (r) => json(c, r, 202))))
      .delete("/tasks/:id", (c) =>
        run(c, Effect.flatMap(Effect.flatMap(taskId(c.req.param("id")), (id) => deleteRecord(ctx, id)), (r) => json(c, r))))
      .get("/queues", (c) =>
        run(c, Effect.map(Effect.forEach(queues, (q) => queueSummary(ctx, q)), (summaries) => c.json({ queues: summaries, checked_by: me }))))
  )
}))
