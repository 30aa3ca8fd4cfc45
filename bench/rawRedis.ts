/**
 * @module bench/rawRedis — the cheapest Redis client the floors can have: one
 * socket, commands written as raw RESP text, replies parsed by the broker's
 * RESP reader and handed back in order. No reconnect, timeout or auth: a bench
 * talks to the redis-server it started itself.
 */
import { connect } from "node:net"
import { parseRedisAddress } from "../src/broker/redis.ts"
import { readReplies, type PipeReply } from "../src/broker/redis/resp.ts"

export interface RawRedis {
  /** Write `text` (RESP holding `expected` commands); resolves with their replies, in order. */
  readonly send: (text: string, expected: number) => Promise<Array<PipeReply>>
  readonly close: () => void
}

export const rawRedis = (url: string): RawRedis => {
  const address = parseRedisAddress(url)
  const socket = connect({ host: address.host, port: address.port, noDelay: true })
  const waiting: Array<{ left: number; readonly replies: Array<PipeReply>; readonly done: (replies: Array<PipeReply>) => void; readonly fail: (e: Error) => void }> = []
  let unread: Buffer | undefined
  const take = (reply: PipeReply) => {
    const head = waiting[0]
    head.replies.push(reply)
    if (--head.left === 0) {
      waiting.shift()
      head.done(head.replies)
    }
  }
  socket.on("data", (chunk: Buffer) => {
    const buffer = unread === undefined ? chunk : Buffer.concat([unread, chunk])
    const at = readReplies(buffer, 0, take)
    unread = at === buffer.length ? undefined : buffer.subarray(at)
  })
  const failAll = (error: Error) => waiting.splice(0).forEach((w) => w.fail(error))
  socket.on("error", failAll)
  socket.on("close", () => failAll(new Error("connection closed")))
  return {
    send: (text, expected) =>
      new Promise((done, fail) => {
        waiting.push({ left: expected, replies: [], done, fail })
        socket.write(text)
      }),
    close: () => socket.destroy()
  }
}
