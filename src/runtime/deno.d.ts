/** @module runtime/deno.d — the few Deno APIs `deno.ts` uses, so Node's tsc can check it. */
declare namespace Deno {
  interface ServeHandlerInfo { readonly remoteAddr: unknown }
  interface HttpServer {
    readonly finished: Promise<void>
    shutdown(): Promise<void>
  }
  function serve(
    options: { port: number; hostname?: string; onListen?: (addr: { port: number; hostname: string }) => void },
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>
  ): HttpServer
  function addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void
  function removeSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void
  function exit(code?: number): never
}
