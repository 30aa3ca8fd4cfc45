/** @module test/kernel/readme — the README stays true: every variable and every route it should list, it lists. */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { suite } from "uvu"
import * as assert from "uvu/assert"
import { variables } from "../../src/config.ts"

const root = resolve(import.meta.dirname ?? ".", "../..")
const readme = readFileSync(join(root, "README.md"), "utf8")
const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : []
  })

const test = suite("README")

test("starts with the command that runs Fluxgate and the command that runs the tests", () => {
  const top = readme.split("\n").slice(0, 10).join("\n")
  assert.match(top, "npm start")
  assert.match(top, "npm test")
})

test("lists every configuration variable src/config.ts reads", () => {
  const missing = variables.filter((v) => !readme.includes(`\`${v.env}\``)).map((v) => v.env)
  assert.equal(missing, [])
})

test("documents every HTTP route the actors and the kernel register", () => {
  const internal = new Set(["/api/*", "/index.html", "/ui/:name", "/vendor/:name"])
  const routes = new Set<string>()
  for (const file of [...sources(join(root, "src")), ...sources(join(root, "actors"))]) {
    for (const m of readFileSync(file, "utf8").matchAll(/\.(?:get|post|put|patch|delete)\("(\/[^"]*)"/g)) routes.add(m[1])
  }
  assert.ok(routes.size > 20, `found ${routes.size} routes`)
  const missing = [...routes].filter((r) => !internal.has(r) && !readme.includes(`\`${r}`) && !readme.includes(` ${r}\``) && !readme.includes(` ${r}`))
  assert.equal(missing, [])
})

test("says why @effect/schema is not installed, and it is not", () => {
  assert.match(readme, "@effect/schema")
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
  assert.not.ok("@effect/schema" in pkg.dependencies || "@effect/schema" in pkg.devDependencies)
})

test.run()
