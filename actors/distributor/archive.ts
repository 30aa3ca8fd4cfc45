/**
 * @module distributor/archive — the archive sink: events appended as JSON lines
 * to `ARCHIVE_FILE`, rotated by size (`ARCHIVE_MAX_BYTES`, keeping
 * `ARCHIVE_BACKUPS` files as `<file>.1` … `<file>.N`, like Python's
 * RotatingFileHandler in seed 002). Writes are serialised so rotation never
 * races an append.
 */
import { mkdir, rename, stat, appendFile, unlink } from "node:fs/promises"
import { dirname } from "node:path"

/** Append-only, size-rotated file. */
export interface Archive {
  readonly path: string
  /** Append `text` (whole lines); rotates first when it would pass the size limit. */
  readonly write: (text: string) => Promise<void>
}

const ignoreMissing = (error: unknown) => {
  if (!(typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT")) throw error
}

export const makeArchive = (path: string, maxBytes: number, backups: number): Archive => {
  let size: number | null = null
  let chain: Promise<void> = Promise.resolve()

  const rotate = async () => {
    if (backups === 0) {
      await unlink(path).catch(ignoreMissing)
      return
    }
    await unlink(`${path}.${backups}`).catch(ignoreMissing)
    for (let i = backups - 1; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(ignoreMissing)
    await rename(path, `${path}.1`).catch(ignoreMissing)
  }

  /** Append whole lines, rotating whenever the next line would take the file past `maxBytes`. */
  const append = async (text: string) => {
    if (size === null) {
      await mkdir(dirname(path), { recursive: true })
      size = await stat(path).then((s) => s.size, () => 0)
    }
    let pending = ""
    let pendingBytes = 0
    const flush = async () => {
      if (pending === "") return
      await appendFile(path, pending)
      size = (size ?? 0) + pendingBytes
      pending = ""
      pendingBytes = 0
    }
    for (const line of text.split(/(?<=\n)/)) {
      const bytes = Buffer.byteLength(line)
      if ((size ?? 0) + pendingBytes > 0 && (size ?? 0) + pendingBytes + bytes > maxBytes) {
        await flush()
        await rotate()
        size = 0
      }
      pending += line
      pendingBytes += bytes
    }
    await flush()
  }

  return {
    path,
    write: (text) => {
      const next = chain.then(() => append(text))
      // A failed write must not poison later ones; the caller sees this one's failure.
      chain = next.catch(() => {
        size = null
      })
      return next
    }
  }
}
