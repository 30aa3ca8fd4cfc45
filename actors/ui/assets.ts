/**
 * @module ui/assets — find and read the dashboard's files: its own static files
 * (actors/ui/public) and the two vendor files it uses from node_modules
 * (Alpine.js, Pico.css), so the page works offline with no CDN and no build step.
 */
import { readFile } from "node:fs/promises"
import { cwd } from "node:process"
import { fileURLToPath } from "node:url"
import { join } from "node:path"

/** Vendor files served under `/vendor/<name>`: the URL name → path inside node_modules. */
export const VENDOR: Readonly<Record<string, string>> = {
  "alpine.js": "alpinejs/dist/cdn.min.js",
  "pico.css": "@picocss/pico/css/pico.min.css"
}

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  ico: "image/x-icon",
  json: "application/json; charset=utf-8"
}

/** The content type for a file name (by extension). */
export const contentType = (name: string): string => TYPES[name.slice(name.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream"

/** Only plain names (no separators, no leading dot) may be served from public/: no path traversal. */
export const isSafeName = (name: string): boolean => /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name) && !name.includes("..")

// Run from sources, `import.meta.url` is actors/ui/assets.ts; bundled into dist/server.js it is
// dist/server.js, so the working directory (the repo or the image's app dir) is the fallback.
const publicDirs = (): ReadonlyArray<string> => [
  fileURLToPath(new URL("./public/", import.meta.url)),
  join(cwd(), "actors", "ui", "public")
]
const nodeModulesDirs = (): ReadonlyArray<string> => [
  fileURLToPath(new URL("../../node_modules/", import.meta.url)),
  join(cwd(), "node_modules")
]

const readFirst = async (candidates: ReadonlyArray<string>): Promise<Uint8Array | undefined> => {
  for (const path of candidates) {
    try {
      return await readFile(path)
    } catch {
      // not here: try the next candidate
    }
  }
  return undefined
}

/** One of the dashboard's own files, or undefined when absent or not a plain name. */
export const readPublic = (name: string): Promise<Uint8Array | undefined> =>
  isSafeName(name) ? readFirst(publicDirs().map((dir) => join(dir, name))) : Promise.resolve(undefined)

// Vendor files never change while the process runs: read each once.
const vendorCache = new Map<string, Promise<Uint8Array | undefined>>()

/** A vendor file by its URL name (see VENDOR), or undefined when unknown or not installed. */
export const readVendor = (name: string): Promise<Uint8Array | undefined> => {
  const relative = VENDOR[name]
  if (relative === undefined) return Promise.resolve(undefined)
  let cached = vendorCache.get(name)
  if (!cached) {
    cached = readFirst(nodeModulesDirs().map((dir) => join(dir, relative)))
    // Don't remember a miss: node_modules may be installed after start.
    cached.then((bytes) => bytes === undefined && vendorCache.delete(name), () => vendorCache.delete(name))
    vendorCache.set(name, cached)
  }
  return cached
}
