/**
 * @module test/helpers/scripts — checks every Lua script module can reuse:
 * the key count a script declares must match the KEYS it reads, because a
 * wrong count silently shifts keys into ARGV (and, in a cluster, routes the
 * call by the wrong key).
 */
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import * as assert from "uvu/assert"

/** The part of a script these checks read (a broker `Script`, or the Redis broker's internal ones). */
export interface ScriptLike {
  readonly name: string
  readonly numberOfKeys: number
  readonly lua: string
}

/** True for any value shaped like a script (used to find scripts among a module's exports). */
export const isScriptLike = (value: unknown): value is ScriptLike =>
  typeof value === "object" && value !== null &&
  typeof (value as { name?: unknown }).name === "string" &&
  typeof (value as { numberOfKeys?: unknown }).numberOfKeys === "number" &&
  typeof (value as { lua?: unknown }).lua === "string"

/** The highest `KEYS[n]` a Lua body mentions, 0 when it reads no key. Comments count: the header must list every key. */
export const highestKey = (lua: string): number =>
  Math.max(0, ...[...lua.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1])))

/** Fail unless the highest `KEYS[n]` in `script.lua` equals `script.numberOfKeys`. */
export const assertKeyCount = (script: ScriptLike): void => {
  assert.is(
    highestKey(script.lua),
    script.numberOfKeys,
    `script ${script.name}: numberOfKeys is ${script.numberOfKeys} but its Lua reads up to KEYS[${highestKey(script.lua)}]`
  )
}

/** Every `.ts` file inside a directory named `scripts` under `roots` (recursively). */
export const scriptFiles = (roots: ReadonlyArray<string>): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string, inScripts: boolean) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === "node_modules" || name.startsWith(".")) continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path, inScripts || name === "scripts")
      else if (inScripts && name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts")) found.push(path)
    }
  }
  for (const root of roots) walk(root, false)
  return found
}

/** Import each file and collect the distinct script-shaped exports, with the file each came from. */
export const loadScripts = async (
  files: ReadonlyArray<string>
): Promise<Array<{ readonly file: string; readonly script: ScriptLike }>> => {
  const seen = new Set<unknown>()
  const scripts: Array<{ file: string; script: ScriptLike }> = []
  for (const file of files) {
    const module: Record<string, unknown> = await import(pathToFileURL(file).href)
    for (const value of Object.values(module)) {
      if (isScriptLike(value) && !seen.has(value)) {
        seen.add(value)
        scripts.push({ file, script: value })
      }
    }
  }
  return scripts
}
