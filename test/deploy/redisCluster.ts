/**
 * @module test/deploy/redisCluster — a local Redis Cluster for tests: three
 * masters (`redis-server --cluster-enabled yes`) on free loopback ports, joined
 * with `redis-cli --cluster create … --cluster-replicas 0`, in a temp dir,
 * stopped by PID. No persistence; each start is a fresh, empty cluster.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import { freePort } from "../helpers/redis.ts"

export interface RedisCluster {
  /** `127.0.0.1:<port>` of each master (what REDIS_CLUSTER_NODES takes). */
  readonly nodes: ReadonlyArray<string>
  /** The first node as a URL (what `layerRedis({ url })` takes beside `clusterNodes`). */
  readonly url: string
  readonly pids: ReadonlyArray<number>
  readonly stop: () => Promise<void>
}

const serverBin = process.env.REDIS_SERVER_BIN ?? "redis-server"
const cliBin = process.env.REDIS_CLI_BIN ?? "redis-cli"
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** Ask one node a command with a short-lived client; undefined if it does not answer. */
const ask = async (port: number, ...args: Array<string>): Promise<string | undefined> => {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    return String(await client.call(args[0], ...args.slice(1)))
  } catch {
    return undefined
  } finally {
    client.disconnect()
  }
}

const until = async (what: string, withinMs: number, check: () => Promise<boolean>) => {
  const deadline = Date.now() + withinMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(50)
  }
  throw new Error(`redis cluster: ${what} not within ${withinMs} ms`)
}

/** Whether `port` can be bound on loopback right now. */
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/** A node that exited before answering: its ports were taken meanwhile (worth another start on new ports). */
class NodeExited extends Error {}

/**
 * Start a 3-master cluster; resolves when every node reports cluster_state:ok.
 * A node can still lose its port or its bus port to another process between
 * the check and its bind (it then exits at once): the whole start is retried
 * on new ports, at most three times.
 */
export const startRedisCluster = async (masters = 3): Promise<RedisCluster> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(masters)
    } catch (e) {
      if (!(e instanceof NodeExited) || attempt >= 3) throw e
    }
  }
}

const startOnce = async (masters: number): Promise<RedisCluster> => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-cluster-"))
  const ports: Array<number> = []
  for (let i = 0; i < masters; i++) {
    let port = await freePort()
    // the cluster bus uses port + 10000, which must be free and valid too (an outgoing
    // connection's ephemeral port can hold it: a node that cannot bind it exits at once)
    while (port + 10_000 > 65_535 || ports.includes(port) || !(await isFree(port + 10_000))) port = await freePort()
    ports.push(port)
  }
  const children = ports.map((port) => {
    const child = spawn(serverBin, [
      "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
      "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000",
      "--save", "", "--appendonly", "no"
    ], { stdio: "ignore" })
    live.add(child)
    child.once("exit", () => live.delete(child))
    return child
  })
  const stop = async () => {
    await Promise.all(children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
      const exited = new Promise<void>((r) => child.once("exit", () => r()))
      child.kill("SIGKILL")
      return Promise.race([exited, sleep(5_000)])
    }))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const child of children) {
      const port = ports[children.indexOf(child)]
      const failed = new Promise((_, reject) => {
        child.once("error", (e) => reject(new Error(`cannot start ${serverBin}: ${e.message}`)))
        const exited = () => reject(new NodeExited(`redis-server on port ${port} exited (${child.exitCode}) before answering`))
        if (child.exitCode !== null || child.signalCode !== null) exited()
        else child.once("exit", exited)
      })
      // stop() kills the nodes later: that exit is no failure
      failed.catch(() => {})
      await Promise.race([
        failed,
        until(`redis-server ${child.pid} answers PING`, 10_000, async () => (await ask(port, "PING")) === "PONG")
      ])
    }
    const create = spawnSync(cliBin, ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"], {
      encoding: "utf8",
      timeout: 20_000
    })
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status ?? create.error?.message}):\n${create.stdout}\n${create.stderr}`)
    await until("cluster_state:ok on every node", 15_000, async () => {
      const infos = await Promise.all(ports.map((p) => ask(p, "CLUSTER", "INFO")))
      return infos.every((info) => info !== undefined && info.includes("cluster_state:ok"))
    })
  } catch (e) {
    await stop()
    throw e
  }
  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`),
    url: `redis://127.0.0.1:${ports[0]}`,
    pids: children.map((c) => c.pid ?? -1),
    stop
  }
}
