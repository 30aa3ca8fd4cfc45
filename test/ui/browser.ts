/**
 * @module test/ui/browser — what the dashboard's browser tests need: a real
 * Fluxgate server process (spawned, restartable on the same port, killed by
 * PID) and headless Debian Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { copyFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import type { Browser, Page } from "playwright-core"

/** Chromium flags for a sandbox-less CI box with no network beyond loopback. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"
]
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Launch headless Chromium. */
export const launchChromium = async (): Promise<Browser> => {
  const { chromium } = await import("playwright-core")
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

const root = new URL("../../", import.meta.url)

/** A Fluxgate server child process on a fixed port. */
export interface ServerProcess {
  readonly base: string
  /** Output so far (for failure messages). */
  readonly output: () => string
  /** SIGKILL by PID and wait for the exit: a crash, not a graceful stop. */
  readonly kill: () => Promise<void>
  /** Start again with the same environment (same port, same Redis). */
  readonly restart: () => Promise<void>
}

const waitReady = async (base: string, child: ChildProcess, deadlineMs: number, output: () => string) => {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output().slice(-3000)}`)
    try {
      const res = await fetch(`${base}/readyz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server at ${base} not ready within ${deadlineMs} ms:\n${output().slice(-3000)}`)
}

const isDeno = "Deno" in globalThis

/**
 * The server command for the runtime running the tests: on Node `node --import
 * tsx src/server.ts`; on Deno the Deno entry (`deno task start`'s command), so a
 * Deno test run drives the dashboard served by Deno.serve.
 */
export const serverCommand = (): { readonly command: string; readonly args: ReadonlyArray<string> } =>
  isDeno
    ? {
      command: new URL("node_modules/.bin/deno", root).pathname,
      args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-sys", "src/runtime/deno.ts"]
    }
    : { command: process.execPath, args: ["--import", "tsx", "src/server.ts"] }

/** Spawn the server (see `serverCommand`) with `env` on `port` and wait for /readyz. */
export const startServer = async (port: number, env: Record<string, string>): Promise<ServerProcess> => {
  let log = ""
  let child: ChildProcess | undefined
  const base = `http://127.0.0.1:${port}`
  const launch = async () => {
    const { command, args } = serverCommand()
    const proc = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const keep = (chunk: Buffer) => {
      log += chunk.toString("utf8")
      if (log.length > 200_000) log = log.slice(-100_000)
    }
    proc.stdout?.on("data", keep)
    proc.stderr?.on("data", keep)
    child = proc
    await waitReady(base, proc, 30_000, () => log)
  }
  await launch()
  return {
    base,
    output: () => log,
    kill: async () => {
      const proc = child
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((r) => proc.once("exit", r))
      proc.kill("SIGKILL")
      await exited
    },
    restart: launch
  }
}

const outputDir = new URL("../.output/screenshots/", import.meta.url)
const docsDir = new URL("../../docs/", import.meta.url)

/**
 * Screenshot the page to test/.output/screenshots/<name>.png; with
 * UPDATE_SCREENSHOTS=1 (and `toDocs`) also to docs/dashboard-<name>.png, the
 * one picture per panel the README shows.
 */
export const screenshot = async (page: Page, name: string, toDocs = true): Promise<void> => {
  mkdirSync(outputDir, { recursive: true })
  const path = join(outputDir.pathname, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  if (toDocs && process.env.UPDATE_SCREENSHOTS === "1") {
    mkdirSync(docsDir, { recursive: true })
    copyFileSync(path, join(docsDir.pathname, `dashboard-${name}.png`))
  }
}
