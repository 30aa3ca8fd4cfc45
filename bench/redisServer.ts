/**
 * @module bench/redisServer — what the benches ask of the redis-server they
 * started: how much CPU it has used, and the cheapest client a floor can have.
 */
import type { Redis } from "ioredis"
import { connect } from "node:net"
import { parseRedisAddress } from "../src/broker/redis.ts"
import { encodeCommand, readReplies, type PipeReply } from "../src/broker/redis/resp.ts"

/** redis-server's CPU so far (INFO cpu, user + sys), in µs. */
export const redisCpuUs = async (client: Redis): Promise<number> => {
  const info = await client.info("cpu")
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN)
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1e6
}

/**
 * One socket, each command written as raw RESP and its reply parsed by the
 * broker's RESP reader, replies handed back in order. No reconnect, timeout or
 * auth: a bench talks to the redis-server it started itself.
 */
export const rawRedis = (url: string) => {
  const address = parseRedisAddress(url)
  const socket = connect({ host: address.host, port: address.port, noDelay: true })
  const waiting: Array<{ readonly done: (reply: PipeReply) => void; readonly fail: (e: Error) => void }> = []
  let unread: Buffer | undefined
  socket.on("data", (chunk: Buffer) => {
    const buffer = unread === undefined ? chunk : Buffer.concat([unread, chunk])
    const at = readReplies(buffer, 0, (reply) => waiting.shift()?.done(reply))
    unread = at === buffer.length ? undefined : buffer.subarray(at)
  })
  const failAll = (error: Error) => waiting.splice(0).forEach((w) => w.fail(error))
  socket.on("error", failAll)
  socket.on("close", () => failAll(new Error("connection closed")))
  return {
    /** Send one command; resolves with its reply. */
    command: (args: ReadonlyArray<string>) =>
      new Promise<PipeReply>((done, fail) => {
        waiting.push({ done, fail })
        socket.write(encodeCommand(args))
      }),
    close: () => socket.destroy()
  }
}
