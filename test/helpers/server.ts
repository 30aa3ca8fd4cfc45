/**
 * @module test/helpers/server — start a real Fluxgate process (Node or Deno) on a
 * free loopback port, wait until it serves, and stop it by PID.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { resolve } from "node:path"
import { freePort } from "./redis.ts"

export const repoRoot = resolve(import.meta.dirname ?? ".", "../..")

export type Launcher = "tsx" | "dist" | "deno"

const commandFor = (launcher: Launcher): [string, Array<string>] => {
  switch (launcher) {
    case "tsx":
      return [process.execPath.includes("deno") ? "node" : process.execPath, ["--import", "tsx", "src/server.ts"]]
    case "dist":
      return ["node", ["dist/server"]]
    case "deno":
      return [resolve(repoRoot, "node_modules/.bin/deno"), ["task", "start"]]
  }
}

export interface ServerProcess {
  readonly port: number
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  output: () => string
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>
  /** Send a signal and wait for exit, up to `withinMs` (then SIGKILL and reject). */
  stop: (signal?: NodeJS.Signals, withinMs?: number) => Promise<number | string>
}

const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** Spawn a server; resolves once GET /healthz answers (any status) or rejects with its output. */
export const startServer = async (
  env: Record<string, string>,
  options: { launcher?: Launcher; port?: number; readyPath?: string; timeoutMs?: number } = {}
): Promise<ServerProcess> => {
  const port = options.port ?? (await freePort())
  const [cmd, args] = commandFor(options.launcher ?? "tsx")
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), APP_LOG_LEVEL: "Warning", GENERATOR_ENABLED: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // own process group, so a wrapper (deno task) and its child can be signalled together
    detached: true
  })
  live.add(child)
  let out = ""
  child.stdout?.on("data", (d) => (out += d))
  child.stderr?.on("data", (d) => (out += d))
  const exited = new Promise<number | string>((done) =>
    child.once("exit", (code, signal) => {
      live.delete(child)
      done(code ?? signal ?? -1)
    })
  )
  const server: ServerProcess = {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    child,
    output: () => out,
    exited,
    stop: async (signal = "SIGTERM", withinMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      // Graceful signals go to the process itself (`deno task` forwards them to its child and
      // exits with the child's code); SIGKILL goes to the whole group so no child survives.
      if (signal === "SIGKILL") {
        try {
          process.kill(-(child.pid ?? 0), signal)
        } catch {
          child.kill(signal)
        }
      } else {
        // process.kill rather than child.kill: Deno's child_process reports a child it signalled
        // via .kill() as killed by that signal even when the child handled it and exited 0.
        process.kill(child.pid ?? 0, signal)
      }
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), withinMs).unref?.())
      const result = await Promise.race([exited, timeout])
      if (result === "timeout") {
        try {
          process.kill(-(child.pid ?? 0), "SIGKILL")
        } catch {
          child.kill("SIGKILL")
        }
        throw new Error(`server did not exit within ${withinMs} ms after ${signal}\n${out.slice(-2000)}`)
      }
      return result
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before serving:\n${out.slice(-3000)}`)
    try {
      const res = await fetch(`${server.url}${options.readyPath ?? "/healthz"}`)
      await res.body?.cancel()
      return server
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  await server.stop("SIGKILL").catch(() => {})
  throw new Error(`server did not serve within the timeout:\n${out.slice(-3000)}`)
}

/** Run a process to completion (e.g. a start-up that must fail), with a deadline. */
export const runToExit = async (env: Record<string, string>, launcher: Launcher = "tsx", withinMs = 30_000) => {
  const [cmd, args] = commandFor(launcher)
  const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  child.stdout?.on("data", (d) => (out += d))
  child.stderr?.on("data", (d) => (out += d))
  const timer = setTimeout(() => child.kill("SIGKILL"), withinMs)
  const code = await new Promise<number | string>((done) => child.once("exit", (c, s) => done(c ?? s ?? -1)))
  clearTimeout(timer)
  return { code, output: out }
}
