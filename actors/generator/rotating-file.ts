/**
 * @module generator/rotating-file — a size-rotated log file like Python's
 * `RotatingFileHandler` (seed 002: `logs/app.log`, 1 MB, 3 backups): before a
 * write that would take the file past `maxBytes`, `app.log.2` → `.3`, `.1` →
 * `.2`, `app.log` → `.1`, and a fresh `app.log` starts (with the header, for
 * CSV). Writes are synchronous so lines from concurrent emitters never
 * interleave and rotation never splits a line.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs"
import { Buffer } from "node:buffer"
import { dirname } from "node:path"

export interface RotatingFileOptions {
  readonly path: string
  readonly maxBytes: number
  readonly backups: number
  /** Written at the top of every new file (CSV header); null for none. */
  readonly header?: () => string | null
}

const byteLength = (text: string) => Buffer.byteLength(text, "utf8")

/** An append-only file that rotates by size. */
export class RotatingFile {
  private fd: number | null = null
  private size = 0
  /** Files started by rotation since open (for `/generator`). */
  rotations = 0

  private options: RotatingFileOptions

  constructor(options: RotatingFileOptions) {
    this.options = options
  }

  get path(): string {
    return this.options.path
  }

  /** Change the header (e.g. output format switched) — the next file gets it. */
  setHeader(header: (() => string | null) | undefined): void {
    this.options = { ...this.options, header }
  }

  private open(): number {
    if (this.fd !== null) return this.fd
    mkdirSync(dirname(this.options.path), { recursive: true })
    this.fd = openSync(this.options.path, "a")
    this.size = fstatSync(this.fd).size
    if (this.size === 0) this.writeHeader(this.fd)
    return this.fd
  }

  private writeHeader(fd: number): void {
    const header = this.options.header?.() ?? null
    if (header !== null && header !== "") this.size += writeSync(fd, header)
  }

  /** Close this file and shift the backups; the next write opens a fresh file. */
  rotate(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    const { path, backups } = this.options
    if (backups <= 0) {
      rmSync(path, { force: true })
    } else {
      rmSync(`${path}.${backups}`, { force: true })
      for (let i = backups - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
      if (existsSync(path)) renameSync(path, `${path}.1`)
    }
    this.rotations++
  }

  /** Append lines (each ending in its newline), rotating between lines as needed. */
  writeLines(lines: ReadonlyArray<string>): void {
    let fd = this.open()
    let chunk = ""
    let chunkBytes = 0
    const flush = () => {
      if (chunk !== "") this.size += writeSync(fd, chunk)
      chunk = ""
      chunkBytes = 0
    }
    for (const line of lines) {
      const bytes = byteLength(line)
      // A line alone larger than the limit still goes in (into a fresh file) rather than being dropped.
      if (this.size + chunkBytes + bytes > this.options.maxBytes && this.size + chunkBytes > 0) {
        flush()
        const headerOnly = this.size <= byteLength(this.options.header?.() ?? "")
        if (!headerOnly) {
          this.rotate()
          fd = this.open()
        }
      }
      chunk += line
      chunkBytes += bytes
    }
    flush()
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}
