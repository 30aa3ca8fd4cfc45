/**
 * @module test/helpers/redis — a real redis-server per test process, on a free
 * loopback port, started by the harness and stopped by PID. Never port 6379.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { randomUUID } from "node:crypto"
import { Redis } from "ioredis"
import { hashTagOf } from "../../src/broker/keys.ts"

/** A free loopback TCP port (bind to 0, read it, close). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly pid: number
  /** Stop the server (SIGKILL by PID) — for outage tests. */
  readonly kill: () => Promise<void>
  /** Start it again on the same port. */
  readonly restart: () => Promise<void>
}

const redisBinary = process.env.REDIS_SERVER_BIN ?? "redis-server"

const waitForPing = async (port: number, deadlineMs: number) => {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on("error", () => {})
    try {
      await client.connect()
      if ((await client.ping()) === "PONG") {
        client.disconnect()
        return
      }
    } catch {
      client.disconnect()
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING in ${deadlineMs} ms`)
}

const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** Start a fresh redis-server (no persistence) on a free loopback port. */
export const startRedis = async (extraArgs: ReadonlyArray<string> = []): Promise<RedisServer> => {
  const port = await freePort()
  let child: ChildProcess | undefined
  const launch = async () => {
    const proc = spawn(redisBinary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs], {
      stdio: "ignore"
    })
    const spawnError = new Promise<never>((_, reject) =>
      proc.once("error", (e) => reject(new Error(`cannot start ${redisBinary}: ${e.message} (install redis-server)`)))
    )
    // Unref'd so a finished test run can exit; the exit hook above still kills it.
    proc.unref()
    live.add(proc)
    proc.once("exit", () => live.delete(proc))
    child = proc
    await Promise.race([waitForPing(port, 5000), spawnError])
  }
  await launch()
  const kill = async () => {
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((r) => proc.once("exit", r))
    // The child is unref'd, so with nothing else pending the loop could exit (or uvu
    // report "Exiting early") before the exit is reaped; hold a ref while waiting.
    proc.ref()
    proc.kill("SIGKILL")
    await exited
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? -1
    },
    kill,
    restart: launch
  }
}

let shared: Promise<RedisServer> | undefined
/** One redis-server shared by every test of this process; tests isolate by prefix/name. */
export const sharedRedis = (): Promise<RedisServer> => (shared ??= startRedis())

/** A unique name for keys/streams/queues of one test. */
export const uniqueName = (label = "t"): string => `${label}-${randomUUID().slice(0, 8)}`

/** A unique key in the same Redis Cluster slot as `key` (shares its hash tag), as keys.ts lays out related keys. */
export const sameSlot = (key: string, label: string): string => `{${hashTagOf(key)}}:${uniqueName(label)}`
