/** @module test/kernel/boundaries — runtime-specific APIs stay inside src/runtime (STYLE.md 1). */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { suite } from "uvu"
import * as assert from "uvu/assert"

const root = resolve(import.meta.dirname ?? ".", "../..")
const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : []
  })

const test = suite("boundaries")

test("no file outside src/runtime touches Deno.* or process signal handlers", () => {
  const offenders: Array<string> = []
  for (const file of [...sources(join(root, "src")), ...sources(join(root, "actors"))]) {
    const rel = relative(root, file)
    if (rel.startsWith("src/runtime/")) continue
    const text = readFileSync(file, "utf8")
    if (/\bDeno\./.test(text) || /process\.on\(/.test(text)) offenders.push(rel)
  }
  assert.equal(offenders, [])
})

test("the runtime adapters stay small (serve + signals only)", () => {
  for (const name of ["node.ts", "deno.ts"]) {
    const lines = readFileSync(join(root, "src/runtime", name), "utf8").split("\n").length
    assert.ok(lines <= 60, `${name} has ${lines} lines`)
  }
})

test.run()
