/**
 * @module runtime/node — serve the app with @hono/node-server and turn
 * SIGTERM/SIGINT into an interruption of the main fiber. Nothing else here.
 */
import { makeRunMain } from "@effect/platform/Runtime"
import { serve } from "@hono/node-server"
import type { ServerType } from "@hono/node-server"
import { main, type ServerAdapter } from "../main.ts"

const runMain = makeRunMain(({ fiber, teardown }) => {
  const onSignal = () => {
    process.off("SIGTERM", onSignal)
    process.off("SIGINT", onSignal)
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.on("SIGTERM", onSignal)
  process.on("SIGINT", onSignal)
  fiber.addObserver((exit) => teardown(exit, (code) => process.exit(code)))
})

const adapter: ServerAdapter = {
  runtime: "node",
  serve: (app, { port, host }) =>
    new Promise((resolve, reject) => {
      let server: ServerType | undefined
      server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              const http = server as import("node:http").Server
              // Keep-alive sockets hold close() open, and a busy one turns idle again after its
              // response: keep dropping idle sockets until closed (cutting a request mid-write
              // would make a client's retry store it twice). Streams were already ended.
              const sweep = setInterval(() => http.closeIdleConnections(), 25)
              http.close(() => {
                clearInterval(sweep)
                done()
              })
              http.closeIdleConnections()
            })
        })
      })
      server.once("error", reject)
    }),
  exit: (code) => process.exit(code)
}

runMain(main(adapter), { disablePrettyLogger: true, disableErrorReporting: true })
