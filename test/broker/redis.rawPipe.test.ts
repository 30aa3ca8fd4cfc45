/**
 * @module test/broker/redis.rawPipe — stream appends as raw RESP (standalone
 * Redis): ids in order, text stored byte-exact, replies split anywhere, a
 * per-entry error, AUTH and SELECT, an outage and recovery, a silent server.
 */
import { createServer, type Socket } from "node:net"
import { Buffer } from "node:buffer"
import { Effect } from "effect"
import { Redis } from "ioredis"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { Broker } from "../../src/broker/Broker.ts"
import { layerRedis, parseRedisAddress } from "../../src/broker/redis.ts"
import { makeRawPipe, type RawPipe } from "../../src/broker/redis/rawPipe.ts"
import { encodeXadds, readReplies, type PipeReply } from "../../src/broker/redis/resp.ts"
import { runScoped } from "../helpers/effect.ts"
import { sharedRedis, startRedis, uniqueName } from "../helpers/redis.ts"

const test = suite("redis raw pipe")
const server = await sharedRedis()
const admin = new Redis(server.url)
test.after(() => admin.disconnect())

const pipeTo = (url: string, replyTimeoutMs = 5000) => makeRawPipe({ address: parseRedisAddress(url), connectTimeoutMs: 1000, replyTimeoutMs })
const withPipe = async <A>(url: string, use: (pipe: RawPipe) => Promise<A>): Promise<A> => {
  const pipe = pipeTo(url)
  try {
    return await use(pipe)
  } finally {
    pipe.close()
  }
}

test("a batch gets one id per entry, in stream order, each entry stored with its fields in order", async () => {
  await withPipe(server.url, async (pipe) => {
    const stream = uniqueName("s")
    const entries = Array.from({ length: 300 }, (_, i) => ({ source: "a", level: "INFO", message: `m${i}`, ...(i % 2 === 0 ? { metadata: '{"k":1}' } : {}) }))
    const ids = await pipe.xadd(stream, entries)
    assert.is(ids.length, 300)
    const stored = await admin.xrange(stream, "-", "+")
    assert.equal(ids, stored.map(([id]) => id))
    assert.equal(stored[0][1], ["source", "a", "level", "INFO", "message", "m0", "metadata", '{"k":1}'])
    assert.equal(stored[299][1], ["source", "a", "level", "INFO", "message", "m299"])
  })
})

test("MAXLEN ~ caps the stream near maxLen", async () => {
  await withPipe(server.url, async (pipe) => {
    const stream = uniqueName("s")
    for (let i = 0; i < 5; i++) await pipe.xadd(stream, Array.from({ length: 200 }, (_, j) => ({ n: String(i * 200 + j) })), 100)
    const length = await admin.xlen(stream)
    assert.ok(length >= 100 && length < 400, `capped: ${length}`)
  })
})

test("any text is stored byte-exact (quotes, CRLF, NUL, emoji, 64 KiB); a lone surrogate becomes U+FFFD", async () => {
  await withPipe(server.url, async (pipe) => {
    const stream = uniqueName("s")
    const tricky = ['say "hi"\\n', "line1\r\nline2\ttab", "nul\u0000byte", "emoji 🚀 ünïcödé 漢字", "", "x".repeat(65_536), "$5\r\n*3\r\n"]
    await pipe.xadd(stream, [...tricky.map((message, i) => ({ [`field ${i} ✓`]: message })), { lone: "bad \ud800 half" }])
    const stored = await admin.xrange(stream, "-", "+")
    assert.equal(stored.map(([, fields]) => fields[1]), [...tricky, "bad \ufffd half"])
    assert.equal(stored.map(([, fields]) => fields[0]).slice(0, 2), ["field 0 ✓", "field 1 ✓"])
  })
})

test("a big batch (replies spread over many reads) keeps every id, in order", async () => {
  await withPipe(server.url, async (pipe) => {
    const stream = uniqueName("s")
    const ids = await pipe.xadd(stream, Array.from({ length: 20_000 }, (_, i) => ({ n: String(i), pad: "p".repeat(100) })))
    assert.is(ids.length, 20_000)
    const stored = await admin.xrange(stream, "-", "+")
    assert.equal(ids, stored.map(([id]) => id))
    assert.equal(stored.map(([, f]) => f[1]), Array.from({ length: 20_000 }, (_, i) => String(i)))
  })
})

test("replies are read the same however the bytes are split", () => {
  const wire = Buffer.from("$15\r\n1700000000000-0\r\n-WRONGTYPE Operation against a key\r\n+OK\r\n$0\r\n\r\n$5\r\nü€\r\n:12\r\n$-1\r\n" +
    "*3\r\n$3\r\n1-0\r\n-ERR no\r\n*1\r\n+QUEUED\r\n*0\r\n*-1\r\n")
  const expected = ["1700000000000-0", "Error: WRONGTYPE Operation against a key", "OK", "", "ü€", 12, null, ["1-0", "Error: ERR no", ["QUEUED"]], [], null]
  const show = (r: PipeReply): unknown => (r instanceof Error ? `Error: ${r.message}` : Array.isArray(r) ? r.map(show) : r)
  for (let split = 0; split <= wire.length; split++) {
    const got: Array<unknown> = []
    const first = wire.subarray(0, split)
    const at = readReplies(first, 0, (r) => got.push(show(r)))
    readReplies(Buffer.concat([first.subarray(at), wire.subarray(split)]), 0, (r) => got.push(show(r)))
    assert.equal(got, expected, `split at ${split}`)
  }
  assert.throws(() => readReplies(Buffer.from("%1\r\n"), 0, () => {}), /unexpected reply type/)
})

test("a batch lands at once: a reader blocked on the stream wakes with all of it", async () => {
  const pipe = pipeTo(server.url)
  const reader = new Redis(server.url)
  try {
    const stream = uniqueName("s")
    await pipe.xadd(stream, [{ n: "first" }])
    const read = reader.xread("BLOCK", 5000, "STREAMS", stream, "$")
    await new Promise((r) => setTimeout(r, 100))
    const ids = await pipe.xadd(stream, Array.from({ length: 100 }, (_, i) => ({ n: String(i) })))
    const woke = await read
    assert.equal(woke?.[0][1].map(([id]) => id), ids, "one read returns the whole batch")
  } finally {
    pipe.close()
    reader.disconnect()
  }
})

test("encodeXadds writes one RESP array per entry, with byte lengths", () => {
  assert.is(
    encodeXadds("s", [{ a: "é" }], 10),
    "*8\r\n$4\r\nXADD\r\n$1\r\ns\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$2\r\n10\r\n$1\r\n*\r\n$1\r\na\r\n$2\r\né\r\n"
  )
})

test("an entry Redis refuses (a key of the wrong type) fails append with the reason; the pipe keeps working", async () => {
  const key = uniqueName("str")
  await admin.set(key, "not a stream")
  const stream = uniqueName("s")
  const outcome = await runScoped(
    Effect.gen(function*() {
      const b = yield* Broker
      const refused = yield* Effect.either(b.append(key, [{ n: "1" }]))
      const ids = yield* b.append(stream, [{ n: "2" }])
      return { refused, ids }
    }),
    layerRedis({ url: server.url })
  )
  assert.is(outcome.refused._tag, "Left")
  if (outcome.refused._tag === "Left") assert.match(outcome.refused.left.message, /append failed: WRONGTYPE/)
  assert.equal(outcome.ids, (await admin.xrange(stream, "-", "+")).map(([id]) => id))
})

test("AUTH and SELECT from the URL: entries land in that database; a wrong password is refused by name", async () => {
  const own = await startRedis()
  const setup = new Redis(own.url)
  await setup.config("SET", "requirepass", "s3cret")
  setup.disconnect()
  const check = new Redis({ port: own.port, host: "127.0.0.1", password: "s3cret", db: 3 })
  const good = pipeTo(`redis://:s3cret@127.0.0.1:${own.port}/3`)
  const bad = pipeTo(`redis://:wrong@127.0.0.1:${own.port}`)
  try {
    const [id] = await good.xadd("s", [{ n: "1" }])
    assert.equal((await check.xrange("s", "-", "+")).map(([i]) => i), [id])
    await bad.xadd("s", [{ n: "2" }]).then(
      () => assert.unreachable("a wrong password must be refused"),
      (error: Error) => assert.match(error.message, /WRONGPASS|invalid password/)
    )
  } finally {
    good.close()
    bad.close()
    check.disconnect()
    await own.kill()
  }
})

test("Redis down: appends fail at once; after it returns the same pipe appends again", async () => {
  const own = await startRedis()
  const pipe = pipeTo(own.url)
  try {
    await pipe.xadd("s", [{ n: "1" }])
    await own.kill()
    const started = performance.now()
    await pipe.xadd("s", [{ n: "2" }]).then(() => assert.unreachable("no Redis, no append"), (error: Error) => assert.instance(error, Error))
    assert.ok(performance.now() - started < 1000, `failed after ${performance.now() - started} ms`)
    await own.restart()
    let ids: Array<PipeReply> = []
    // reconnect attempts back off for at most 2 s after a failed connect
    for (let i = 0; i < 40 && ids.length === 0; i++) {
      ids = await pipe.xadd("s", [{ n: "3" }]).catch(() => [])
      if (ids.length === 0) await new Promise((r) => setTimeout(r, 100))
    }
    assert.is(ids.length, 1)
    const check = new Redis(own.url)
    assert.equal((await check.xrange("s", "-", "+")).map(([, f]) => f[1]), ["3"])
    check.disconnect()
  } finally {
    pipe.close()
    await own.kill()
  }
})

test("a server that accepts and never answers fails the append within the reply budget", async () => {
  const sockets = new Set<Socket>()
  const silent = createServer((socket) => {
    sockets.add(socket)
    socket.on("error", () => {})
  })
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
  const port = (silent.address() as { port: number }).port
  const pipe = pipeTo(`redis://127.0.0.1:${port}`, 300)
  try {
    const started = performance.now()
    await pipe.xadd("s", [{ n: "1" }]).then(
      () => assert.unreachable("nothing answered"),
      (error: Error) => assert.match(error.message, /no reply within 300 ms/)
    )
    const ms = performance.now() - started
    assert.ok(ms >= 250 && ms < 2000, `failed after ${ms} ms`)
  } finally {
    pipe.close()
    for (const s of sockets) s.destroy()
    silent.close()
  }
})

test.run()
