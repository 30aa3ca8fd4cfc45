/**
 * @module test/helpers/latency — a TCP proxy that delays every chunk sent to
 * the server, so a test can count round trips by timing instead of trusting
 * that a client pipelined: N sequential round trips take N × delay.
 */
import { createServer, connect, type Socket } from "node:net"

export interface SlowProxy {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Forward 127.0.0.1:<new port> to `target`, holding each client→server chunk for `delayMs`. */
export const slowProxy = (targetPort: number, delayMs: number): Promise<SlowProxy> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>()
    const server = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1")
      sockets.add(client).add(upstream)
      // Same delay for every chunk keeps them in order (timers of equal length fire in order).
      client.on("data", (chunk) => setTimeout(() => upstream.writable && upstream.write(chunk), delayMs))
      upstream.on("data", (chunk) => client.writable && client.write(chunk))
      const end = () => {
        client.destroy()
        upstream.destroy()
      }
      for (const socket of [client, upstream]) {
        socket.on("error", end)
        socket.on("close", end)
      }
    })
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address ? address.port : 0
      resolve({
        url: `redis://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
