/**
 * @module test/runner — runs the uvu suites on Node or Deno (never `deno test`,
 * which reports 0 passed for uvu). Usage: `runner.ts [pattern]`.
 * It prints a closing `N passed, N failed` line (so a run with no test is
 * visible), exits non-zero on any failure, and exits even if a test leaked a
 * handle, after a hard deadline if need be.
 */
import { readdirSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { pathToFileURL } from "node:url"

const root = resolve(import.meta.dirname ?? ".", "..")
const testDir = join(root, "test")
const pattern = new RegExp(process.argv[2] ?? "\\.test\\.ts$")
const exclude = process.argv[3] ? new RegExp(process.argv[3]) : null
const deadlineMs = Number(process.env.TEST_DEADLINE_MS ?? 20 * 60_000)
const runtime = "Deno" in globalThis ? "deno" : "node"

const walk = (dir: string): Array<string> =>
  readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name)
    if (name === "node_modules" || name.startsWith(".")) return []
    return statSync(path).isDirectory() ? walk(path) : [path]
  })

const files = walk(testDir).filter((f) => f.endsWith(".test.ts") && pattern.test(relative(root, f)) && !(exclude?.test(relative(root, f))))

// Tee stdout so the uvu summary can be turned into the closing line.
let captured = ""
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: Array<unknown>) => {
  captured += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)
  if (captured.length > 200_000) captured = captured.slice(-100_000)
  return (write as (c: string | Uint8Array, ...r: Array<unknown>) => boolean)(chunk, ...rest)
}) as typeof process.stdout.write

const timer = setTimeout(() => {
  console.error(`\ntest run exceeded ${deadlineMs} ms on ${runtime}; aborting`)
  console.log(`0 passed, 1 failed`)
  process.exit(1)
}, deadlineMs)
timer.unref?.()

console.log(`[${runtime}] ${files.length} test file(s)`)
;(globalThis as { UVU_DEFER?: number }).UVU_DEFER = 1
const uvu = await import("uvu")
const queue = ((globalThis as unknown as { UVU_QUEUE: Array<Array<unknown>> }).UVU_QUEUE ??= [])
let index = 0
for (const file of files) {
  ;(globalThis as { UVU_INDEX?: number }).UVU_INDEX = index++
  queue.push([relative(root, file)])
  await import(pathToFileURL(file).href)
}
await uvu.exec(false)

// uvu colours its summary; strip ANSI codes before reading it.
const plain = captured.replace(/\u001b\[[0-9;]*m/g, "")
const num = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0)
const total = num("Total")
const passed = num("Passed")
const skipped = num("Skipped")
const failed = Math.max(0, total - passed - skipped)
const code = failed > 0 || (process.exitCode !== undefined && process.exitCode !== 0) ? 1 : 0
console.log(`[${runtime}] ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(code)
