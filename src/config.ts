/**
 * @module config — every setting Fluxgate reads, from environment variables, in
 * one `Config.all`. A bad value stops start-up with one message naming every bad
 * variable (see `describeConfigError`). `variables` drives `/config` and the
 * README's configuration table.
 */
import { Config, ConfigError, ConfigProvider, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { hostname } from "node:os"

/** The actors a process can run; `all` and `api` are shorthands (see `expandRoles`). */
export const ROLE_NAMES = ["collector", "distributor", "worker", "gate", "generator", "tasks", "ui"] as const
export type Role = (typeof ROLE_NAMES)[number]
const ROLE_ALIASES: Record<string, ReadonlyArray<Role>> = {
  all: ROLE_NAMES,
  api: ["collector", "gate", "tasks", "ui"]
}

/** One documented variable: its name, default (as text) and meaning. */
export interface Variable {
  readonly env: string
  readonly default: string
  readonly description: string
  readonly secret?: boolean
}
export const variables: Array<Variable> = []

const describe = <A>(env: string, defaultText: string, description: string, config: Config.Config<A>, secret = false) => {
  variables.push({ env, default: defaultText, description, secret })
  return config.pipe(Config.withDescription(description))
}
const int = (env: string, fallback: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  describe(
    env,
    String(fallback),
    description,
    Config.integer(env).pipe(
      Config.validate({ message: `must be an integer between ${min} and ${max}`, validation: (n) => n >= min && n <= max }),
      Config.withDefault(fallback)
    )
  )
const str = (env: string, fallback: string, description: string) =>
  describe(env, fallback === "" ? "(empty)" : fallback, description, Config.string(env).pipe(Config.withDefault(fallback)))
const optional = (env: string, description: string) =>
  describe(env, "(unset)", description, Config.option(Config.nonEmptyString(env)).pipe(Config.map(Option.getOrUndefined)))
const oneOf = <const L extends ReadonlyArray<string>>(env: string, fallback: L[number], values: L, description: string) =>
  describe(
    env,
    fallback,
    `${description} (${values.join(" | ")})`,
    Config.string(env).pipe(
      Config.map((s) => s.trim()),
      Config.mapOrFail((s) => {
        const hit = values.find((v) => v.toLowerCase() === s.toLowerCase())
        return hit === undefined
          ? Either.left(ConfigError.InvalidData([env], `must be one of ${values.join(", ")}, got "${s}"`))
          : Either.right(hit as L[number])
      }),
      Config.withDefault(fallback)
    )
  )
const list = (env: string, fallback: string, description: string) =>
  describe(env, fallback === "" ? "(empty)" : fallback, description, Config.string(env).pipe(
    Config.withDefault(fallback),
    Config.map((s) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0))
  ))

/** `HTTP_ADDR` (seed 004) is `:8080` or `host:8080`; `PORT`, when set, wins. */
const listen = Config.all({
  port: Config.option(Config.port("PORT").pipe(Config.withDescription("HTTP port"))),
  addr: Config.option(
    Config.string("HTTP_ADDR").pipe(
      Config.mapOrFail((s) => {
        const m = /^(.*):(\d{1,5})$/.exec(s.trim())
        const port = m ? Number(m[2]) : NaN
        return m && port > 0 && port < 65536
          ? Either.right({ host: m[1] === "" ? undefined : m[1], port })
          : Either.left(ConfigError.InvalidData(["HTTP_ADDR"], `must look like ":8080" or "host:8080", got "${s}"`))
      })
    )
  ),
  host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0"))
}).pipe(
  Config.map(({ port, addr, host }) => ({
    port: Option.getOrElse(port, () => Option.match(addr, { onNone: () => 8080, onSome: (a) => a.port })),
    host: Option.match(addr, { onNone: () => host, onSome: (a) => a.host ?? host })
  }))
)
variables.push(
  { env: "PORT", default: "8080", description: "HTTP port (wins over HTTP_ADDR)" },
  { env: "HTTP_ADDR", default: "(unset)", description: "seed 004 form of the listen address, `:8080` or `host:8080`" },
  { env: "HOST", default: "0.0.0.0", description: "interface to listen on" }
)

const roles = list("ROLES", "all", `actors and routes this process runs: ${ROLE_NAMES.join(", ")}, or all / api (= collector,gate,tasks,ui)`).pipe(
  Config.mapOrFail((names) => {
    const out = new Set<Role>()
    const bad: Array<string> = []
    for (const name of names.map((n) => n.toLowerCase())) {
      const alias = ROLE_ALIASES[name]
      if (alias) alias.forEach((r) => out.add(r))
      else if ((ROLE_NAMES as ReadonlyArray<string>).includes(name)) out.add(name as Role)
      else bad.push(name)
    }
    return bad.length > 0 || out.size === 0
      ? Either.left(ConfigError.InvalidData(["ROLES"], `unknown role(s) ${bad.join(", ") || "(none)"}; known: ${ROLE_NAMES.join(", ")}, all, api`))
      : Either.right([...out] as ReadonlyArray<Role>)
  })
)

const fields = {
  listen,
  roles,
  instanceId: str("INSTANCE_ID", "(hostname)", "identity reported as initiated_by / handled_by / checked_by"),
  redisUrl: optional("REDIS_URL", "Redis/Valkey URL (redis://host:port/db); unset → embedded broker"),
  redisAddr: optional("REDIS_ADDR", "seed form of the Redis address: redis://host:port/db or host:port"),
  redisClusterNodes: list("REDIS_CLUSTER_NODES", "", "comma list of host:port seeds; switches to a Redis Cluster client"),
  keyPrefix: str("KEY_PREFIX", "fluxgate", "hash-tagged prefix of Fluxgate's own Redis keys"),
  shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 10_000, "graceful shutdown deadline", 100, 600_000),
  corsAllowOrigins: list("CORS_ALLOW_ORIGINS", "*", "comma list of allowed CORS origins"),
  authToken: describe("AUTH_TOKEN", "(unset)", "when set, write endpoints require Authorization: Bearer <token>",
    Config.option(Config.redacted(Config.nonEmptyString("AUTH_TOKEN"))).pipe(Config.map(Option.getOrUndefined)), true),
  appLogLevel: oneOf("APP_LOG_LEVEL", "Info", ["Debug", "Info", "Warning", "Error", "None"] as const, "Fluxgate's own log level"),
  actorStuckMs: int("ACTOR_STUCK_MS", 30_000, "an actor with waiting work and no progress for this long is flagged stuck", 100),
  // collector
  streamName: str("STREAM_NAME", "logs", "Redis stream that holds log events"),
  maxMessageBytes: int("MAX_MESSAGE_BYTES", 65_536, "largest single event accepted (bytes)", 64),
  maxBodyBytes: int("MAX_BODY_BYTES", 8 * 1024 * 1024, "largest request body accepted (bytes)", 1024),
  trimMaxLen: int("TRIM_MAXLEN", 50_000, "stream cap, XADD MAXLEN ~", 100),
  ingestBatchMax: int("INGEST_BATCH_MAX", 256, "events per group-commit write", 1, 10_000),
  collectorMailbox: int("COLLECTOR_MAILBOX", 20_000, "events waiting for the collector before 503", 1),
  // distributor
  consumerGroup: str("CONSUMER_GROUP", "distributors", "consumer group of the durable sinks"),
  consumerName: optional("CONSUMER_NAME", "consumer name in the group (default: INSTANCE_ID)"),
  pendingIdleMs: int("PENDING_IDLE_MS", 30_000, "pending entries idle this long are reclaimed", 10),
  batchCount: int("BATCH_COUNT", 100, "entries per group read", 1, 10_000),
  blockMs: int("BLOCK_MS", 5_000, "how long a group read blocks (ms)", 1, 60_000),
  sinkLingerMs: int("SINK_LINGER_MS", 100, "after a group read that was not full, the sinks wait this long (ms) before reading again, so they work in batches instead of waking for every write and competing with the live tail (0 = read at once)", 0, 10_000),
  maxDeliveries: int("MAX_DELIVERIES", 5, "deliveries before an entry goes to <stream>:dead", 1),
  subscriberQueueLen: int("SUBSCRIBER_QUEUE_LEN", 1024, "bounded per-subscriber queue (events)", 1),
  heartbeatMs: int("HEARTBEAT_MS", 15_000, "SSE heartbeat comment interval", 100),
  archiveFile: optional("ARCHIVE_FILE", "sink: append every event to this size-rotated file"),
  archiveMaxBytes: int("ARCHIVE_MAX_BYTES", 10 * 1024 * 1024, "archive rotation size", 1024),
  archiveBackups: int("ARCHIVE_BACKUPS", 5, "archive files kept", 0, 100),
  streamPartitions: int("STREAM_PARTITIONS", 1, "hash-tagged streams the log stream is spread over", 1, 64),
  // worker
  queueName: str("QUEUE_NAME", "messages", "list that /enqueue pushes to (seed 004)"),
  taskQueue: str("TASK_QUEUE", "tasks_queue", "list that /task pushes to (seed 001)"),
  workerQueues: list("WORKER_QUEUES", "", "queues this worker serves (default: QUEUE_NAME and TASK_QUEUE)"),
  workerConcurrency: int("WORKER_CONCURRENCY", 16, "tasks in flight per worker", 1, 10_000),
  workerHeartbeatTtlMs: int("WORKER_HEARTBEAT_TTL_MS", 10_000, "a worker silent this long is dead; its tasks are recovered", 100),
  taskMaxAttempts: int("TASK_MAX_ATTEMPTS", 5, "attempts before a task goes to the dead list", 1, 1000),
  taskBackoffMs: int("TASK_BACKOFF_MS", 500, "base of the jittered exponential retry backoff", 0),
  taskBackoffMaxMs: int("TASK_BACKOFF_MAX_MS", 60_000, "cap of the retry backoff", 0),
  deadLetterMax: int("DEAD_LETTER_MAX", 10_000, "dead-list cap per queue (reaching it is logged and shown)", 1),
  taskTtlS: int("TASK_TTL_S", 7 * 24 * 3600, "task records expire after this many seconds", 1),
  outputPath: str("OUTPUT_PATH", "./data/processed.log", "file the message handler appends to (seed 004)"),
  // gate
  ioMessageMaxBytes: int("IO_MESSAGE_MAX_BYTES", 65_536, "largest /io/write message", 1),
  // generator
  logLevel: oneOf("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const, "generator heartbeat level (seed 002)"),
  logFrequency: describe("LOG_FREQUENCY", "5", "seconds between generator heartbeats (seed 002)",
    Config.number("LOG_FREQUENCY").pipe(Config.validate({ message: "must be a number of seconds > 0", validation: (n) => n > 0 }), Config.withDefault(5))),
  logFormat: str("LOG_FORMAT", "[%(asctime)s] %(levelname)s: %(message)s", "Python-logging style format of plain lines (seed 002)"),
  logFile: str("LOG_FILE", "logs/app.log", "generator's rotating log file (seed 002)"),
  logMaxBytes: int("LOG_MAX_BYTES", 1_048_576, "rotate LOG_FILE at this size", 1024),
  logBackups: int("LOG_BACKUPS", 3, "rotated LOG_FILE backups kept", 0, 100),
  logOutputFormat: oneOf("LOG_OUTPUT_FORMAT", "plain", ["plain", "json", "csv"] as const, "generator file/console format"),
  generatorProfile: oneOf("GENERATOR_PROFILE", "heartbeat", ["heartbeat", "sessions"] as const, "what the generator emits"),
  generatorSeed: optional("GENERATOR_SEED", "seed for a deterministic generator sequence"),
  generatorEnabled: describe("GENERATOR_ENABLED", "true", "generator runs at start", Config.boolean("GENERATOR_ENABLED").pipe(Config.withDefault(true))),
  generatorConsole: describe("GENERATOR_CONSOLE", "true", "generator also prints its lines to stdout (seed 002: console and file)", Config.boolean("GENERATOR_CONSOLE").pipe(Config.withDefault(true))),
  burstEvents: int("BURST_EVENTS", 0, "events in a scheduled burst (0 = no scheduled bursts)"),
  burstDurationMs: int("BURST_DURATION_MS", 1_000, "duration of a scheduled burst", 1),
  burstIntervalS: int("BURST_INTERVAL_S", 0, "seconds between scheduled bursts (0 = off)"),
  // ui + tracing
  apiUrl: optional("API_URL", "ui role: proxy /api/* to this API base URL"),
  otelEndpoint: optional("OTEL_EXPORTER_OTLP_ENDPOINT", "export spans over OTLP/HTTP to this endpoint"),
  otelServiceName: str("OTEL_SERVICE_NAME", "fluxgate", "service.name resource attribute"),
  otelProtocol: oneOf("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", ["http/json", "http/protobuf"] as const, "OTLP/HTTP body encoding of exported spans"),
  traceBufferSpans: int("TRACE_BUFFER_SPANS", 4096, "spans kept in memory for /debug/traces", 0),
  traceBufferTracesPerS: int("TRACE_BUFFER_TRACES_PER_S", 500, "above this many new traces a second, the span buffer keeps a fair sample of the rest (errors and shared traces always)", 1),
  traceIndexRate: int("TRACE_INDEX_RATE", 50, "new traces per second a process shares through the Redis trace index (0 = off)", 0),
  traceIndexTtlS: int("TRACE_INDEX_TTL_S", 600, "seconds a trace stays in the Redis trace index", 1, 86_400),
  traceIndexMaxSpans: int("TRACE_INDEX_MAX_SPANS", 256, "spans kept per trace in the Redis trace index", 1, 10_000)
}

const appConfig = Config.all(fields)
type Raw = Config.Config.Success<typeof appConfig>

/** The effective configuration. */
export interface AppConfigShape extends Omit<Raw, "listen" | "instanceId" | "consumerName" | "workerQueues" | "redisUrl" | "redisAddr"> {
  readonly port: number
  readonly host: string
  readonly instanceId: string
  readonly consumerName: string
  readonly workerQueues: ReadonlyArray<string>
  /** The Redis URL to use, or undefined for the embedded broker. */
  readonly redisUrl: string | undefined
  readonly authToken: Redacted.Redacted<string> | undefined
}

const finish = (raw: Raw): AppConfigShape => {
  const { listen: l, redisAddr, ...rest } = raw
  const instanceId = raw.instanceId === "(hostname)" || raw.instanceId === "" ? hostname() : raw.instanceId
  const redis = raw.redisUrl ?? redisAddr
  return {
    ...rest,
    port: l.port,
    host: l.host,
    instanceId,
    consumerName: raw.consumerName ?? instanceId,
    workerQueues: raw.workerQueues.length > 0 ? raw.workerQueues : [raw.queueName, raw.taskQueue],
    redisUrl: redis === undefined ? undefined : /^[a-z]+:\/\//i.test(redis) ? redis : `redis://${redis}`
  }
}

/** The configuration service. */
export class AppConfig extends Context.Tag("fluxgate/AppConfig")<AppConfig, AppConfigShape>() {}

/** One line per problem: `PORT: Expected an integer value but received "abc"`. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const lines: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "InvalidData":
      case "MissingData":
      case "SourceUnavailable":
      case "Unsupported":
        lines.push(`${e.path.join(".") || "?"}: ${e.message}`)
    }
  }
  walk(error)
  return `invalid configuration:\n  ${[...new Set(lines)].join("\n  ")}`
}

/** Read the configuration from the process environment (ConfigProvider). */
export const loadConfig: Effect.Effect<AppConfigShape, ConfigError.ConfigError> = Effect.map(appConfig, finish)

export const layerFromEnv: Layer.Layer<AppConfig, ConfigError.ConfigError> = Layer.effect(AppConfig, loadConfig)

const emptyProvider = ConfigProvider.fromMap(new Map())

/** The defaults with `overrides` applied — for tests and embedded use. */
export const makeConfig = (overrides: Partial<AppConfigShape> = {}): AppConfigShape => {
  const defaults = Effect.runSync(
    Effect.withConfigProvider(loadConfig, emptyProvider)
  )
  return { ...defaults, ...overrides }
}

/** A config layer built from the defaults plus overrides. */
export const layer = (overrides: Partial<AppConfigShape> = {}): Layer.Layer<AppConfig> =>
  Layer.succeed(AppConfig, makeConfig(overrides))

/** The config as `/config` shows it: secrets redacted. */
export const publicConfig = (config: AppConfigShape): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(config)) {
    out[k] = Redacted.isRedacted(v) ? "<redacted>" : k === "redisUrl" && typeof v === "string" ? v.replace(/\/\/([^@/]*)@/, "//<redacted>@") : v
  }
  return out
}
