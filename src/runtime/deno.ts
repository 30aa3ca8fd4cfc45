/**
 * @module runtime/deno — serve the app with `Deno.serve` and turn
 * SIGTERM/SIGINT into an interruption of the main fiber. Nothing else here.
 */
/// <reference path="./deno.d.ts" />
import { makeRunMain } from "@effect/platform/Runtime"
import { main, type ServerAdapter } from "../main.ts"

const signals = ["SIGTERM", "SIGINT"] as const

const runMain = makeRunMain(({ fiber, teardown }) => {
  const onSignal = () => {
    for (const s of signals) Deno.removeSignalListener(s, onSignal)
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  for (const s of signals) Deno.addSignalListener(s, onSignal)
  fiber.addObserver((exit) => teardown(exit, (code) => Deno.exit(code)))
})

const adapter: ServerAdapter = {
  runtime: "deno",
  serve: (app, { port, host }) =>
    new Promise((resolve) => {
      const server = Deno.serve(
        { port, hostname: host, onListen: (addr) => resolve({ port: addr.port, close: () => server.shutdown() }) },
        (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr })
      )
    }),
  exit: (code) => Deno.exit(code)
}

runMain(main(adapter), { disablePrettyLogger: true, disableErrorReporting: true })
