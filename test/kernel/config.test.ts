/** @module test/kernel/config — configuration is read once, with defaults, and fails naming every bad variable. */
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { describeConfigError, loadConfig, publicConfig, variables } from "../../src/config.ts"

const load = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(loadConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

const test = suite("config")

test("with no variables set every default applies", () => {
  const config = Either.getOrThrow(load({}))
  assert.is(config.port, 8080)
  assert.is(config.streamName, "logs")
  assert.is(config.trimMaxLen, 50_000)
  assert.is(config.queueName, "messages")
  assert.equal([...config.workerQueues], ["messages", "tasks_queue"])
  assert.is(config.redisUrl, undefined)
  assert.ok(config.roles.includes("worker") && config.roles.includes("ui"))
})

test("seed 004's HTTP_ADDR=:9090 sets the port, and PORT wins over it", () => {
  assert.is(Either.getOrThrow(load({ HTTP_ADDR: ":9090" })).port, 9090)
  assert.is(Either.getOrThrow(load({ HTTP_ADDR: ":9090", PORT: "7070" })).port, 7070)
})

test("seed REDIS_ADDR host:port becomes a redis:// URL", () => {
  assert.is(Either.getOrThrow(load({ REDIS_ADDR: "redis:6379" })).redisUrl, "redis://redis:6379")
  assert.is(Either.getOrThrow(load({ REDIS_ADDR: "redis://redis:6379/0" })).redisUrl, "redis://redis:6379/0")
})

test("ROLES=api expands and an unknown role is rejected by name", () => {
  const config = Either.getOrThrow(load({ ROLES: "api" }))
  assert.equal([...config.roles].sort(), ["collector", "gate", "tasks", "ui"])
  const bad = load({ ROLES: "collector,bogus" })
  assert.ok(Either.isLeft(bad))
  if (Either.isLeft(bad)) assert.match(describeConfigError(bad.left), /bogus/)
})

test("several bad values fail once with a message naming every variable", () => {
  const result = load({ PORT: "abc", TRIM_MAXLEN: "-5", LOG_LEVEL: "LOUD", WORKER_CONCURRENCY: "1.5" })
  assert.ok(Either.isLeft(result))
  if (Either.isLeft(result)) {
    const message = describeConfigError(result.left)
    for (const name of ["PORT", "TRIM_MAXLEN", "LOG_LEVEL", "WORKER_CONCURRENCY"]) assert.match(message, name)
  }
})

test("AUTH_TOKEN is redacted in the public view of the config", () => {
  const config = Either.getOrThrow(load({ AUTH_TOKEN: "s3cret-token", REDIS_URL: "redis://user:pw@h:1/0" }))
  assert.ok(config.authToken !== undefined && Redacted.value(config.authToken) === "s3cret-token")
  const shown = JSON.stringify(publicConfig(config))
  assert.not.match(shown, "s3cret-token")
  assert.not.match(shown, "pw@")
})

test("every documented variable has a description and a default", () => {
  assert.ok(variables.length > 40)
  for (const v of variables) {
    assert.ok(v.description.length > 5, v.env)
    assert.ok(v.default.length > 0, v.env)
  }
})

test.run()
