/** @module test/broker/redis-address — the Redis address forms the seeds use, and the ones refused. */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { describeAddress, parseRedisAddress } from "../../src/broker/redis.ts"

test("a redis URL gives host, port and database", () => {
  assert.equal(parseRedisAddress("redis://redis:6379/0"), { host: "redis", port: 6379, db: 0, tls: false })
  assert.equal(parseRedisAddress("redis://cache.internal:6380/3"), { host: "cache.internal", port: 6380, db: 3, tls: false })
})

test("a rediss URL turns TLS on", () => {
  assert.equal(parseRedisAddress("rediss://managed.example.com:25061"), {
    host: "managed.example.com", port: 25061, db: 0, tls: true
  })
})

test("a password without a user is read from redis://:password@host", () => {
  assert.equal(parseRedisAddress("redis://:s3cret@127.0.0.1:7000"), {
    host: "127.0.0.1", port: 7000, db: 0, tls: false, password: "s3cret"
  })
})

test("a user and a percent-encoded password are decoded", () => {
  assert.equal(parseRedisAddress("redis://app:p%40ss%3Aword@h/2"), {
    host: "h", port: 6379, db: 2, tls: false, username: "app", password: "p@ss:word"
  })
})

test("seed 004's bare host:port is accepted", () => {
  assert.equal(parseRedisAddress("redis:6379"), { host: "redis", port: 6379, db: 0, tls: false })
  assert.equal(parseRedisAddress("10.0.0.5:7001"), { host: "10.0.0.5", port: 7001, db: 0, tls: false })
})

test("a bare host or a URL without a port defaults to 6379 and database 0", () => {
  assert.equal(parseRedisAddress("localhost"), { host: "localhost", port: 6379, db: 0, tls: false })
  assert.equal(parseRedisAddress("redis://localhost"), { host: "localhost", port: 6379, db: 0, tls: false })
  assert.equal(parseRedisAddress("  redis://localhost/  "), { host: "localhost", port: 6379, db: 0, tls: false })
})

test("an IPv6 host is written in brackets and returned without them", () => {
  assert.equal(parseRedisAddress("[::1]:6380"), { host: "::1", port: 6380, db: 0, tls: false })
  assert.equal(parseRedisAddress("redis://[::1]/1"), { host: "::1", port: 6379, db: 1, tls: false })
})

test("the scheme is case-insensitive", () => {
  assert.is(parseRedisAddress("REDISS://h:1").tls, true)
})

test("other schemes, bad ports, bad databases, query strings and empty input are refused with the reason", () => {
  assert.throws(() => parseRedisAddress("http://h:6379"), /unsupported scheme "http"/)
  assert.throws(() => parseRedisAddress("redis://h:99999"), /invalid Redis address/)
  assert.throws(() => parseRedisAddress("redis://h:0"), /port is out of range/)
  assert.throws(() => parseRedisAddress("redis://h/one"), /database "one" is not a number/)
  assert.throws(() => parseRedisAddress("redis://h?db=1"), /query strings/)
  assert.throws(() => parseRedisAddress("   "), /empty/)
  assert.throws(() => parseRedisAddress("redis://:6379"), /invalid Redis address/)
})

test("an error about a bad address never repeats its password", () => {
  for (const bad of ["redis://:hunter2@h:99999", "ftp://user:hunter2@h", "user:hunter2@h:notaport"]) {
    try {
      parseRedisAddress(bad)
      assert.unreachable(`${bad} was accepted`)
    } catch (error) {
      assert.not.match(String(error), "hunter2")
    }
  }
})

test("describeAddress names host, port and database without credentials", () => {
  assert.is(describeAddress(parseRedisAddress("redis://:pw@h:6380/2")), "redis://h:6380/2")
  assert.is(describeAddress(parseRedisAddress("rediss://u:pw@[::1]")), "rediss://[::1]:6379")
})

test.run()
