/**
 * @module test/generator/generator.files — the rotating file keeps exactly
 * LOG_BACKUPS backups of at most LOG_MAX_BYTES each, and every output format
 * parses back (CSV with csv-parse, JSON line by line).
 */
import { test } from "uvu"
import * as assert from "uvu/assert"
import { parse } from "csv-parse/sync"
import { Buffer } from "node:buffer"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { csvRow } from "../../actors/generator/csv.ts"
import { sessionSource } from "../../actors/generator/flows.ts"
import { CSV_COLUMNS, csvHeader, type Emitted, formatLine, type OutputFormat } from "../../actors/generator/output.ts"
import { makePrng } from "../../actors/generator/prng.ts"
import { RotatingFile } from "../../actors/generator/rotating-file.ts"

const MB = 1_048_576

/** A pool of real formatted lines per format, reused cyclically: rotation cares about bytes, not variety. */
const pools = new Map<OutputFormat, Array<string>>()
const pool = (format: OutputFormat): Array<string> => {
  let lines = pools.get(format)
  if (lines === undefined) {
    const next = sessionSource(makePrng("files"))
    lines = Array.from({ length: 3000 }, (_, seq) =>
      formatLine(format, "[%(asctime)s] %(levelname)s: %(message)s", { seq, ts: Date.now(), event: next() } satisfies Emitted, 1))
    pools.set(format, lines)
  }
  return lines
}

/** Write about `bytes` of generated lines in `format`; returns the directory and how many lines were written. */
const writeLogs = (format: OutputFormat, bytes: number) => {
  const dir = mkdtempSync(join(tmpdir(), "fluxgate-rot-"))
  const file = new RotatingFile({ path: join(dir, "app.log"), maxBytes: MB, backups: 3, header: () => (format === "csv" ? csvHeader() : null) })
  const lines = pool(format)
  let written = 0
  let count = 0
  while (written < bytes) {
    const batch = lines.slice(count % lines.length, (count % lines.length) + 200)
    for (const line of batch) written += Buffer.byteLength(line)
    count += batch.length
    file.writeLines(batch)
  }
  file.close()
  return { dir, lines: count }
}

for (const format of ["plain", "json", "csv"] as const) {
  test(`writing 3 MB of ${format} logs yields app.log plus exactly 3 backups, each at most 1 MB`, () => {
    const { dir } = writeLogs(format, 3 * MB + 200_000)
    try {
      assert.equal(readdirSync(dir).sort(), ["app.log", "app.log.1", "app.log.2", "app.log.3"])
      for (const name of readdirSync(dir)) {
        const size = statSync(join(dir, name)).size
        assert.ok(size <= MB, `${name} is ${size} bytes`)
        assert.ok(size > 0, `${name} is empty`)
      }
      // Backups are full: rotation happened because the next line would not fit.
      assert.ok(statSync(join(dir, "app.log.1")).size > MB - 2000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test("writing more than 4 files' worth drops the oldest and still keeps only 3 backups", () => {
  const { dir } = writeLogs("plain", 4.5 * MB)
  try {
    assert.equal(readdirSync(dir).sort(), ["app.log", "app.log.1", "app.log.2", "app.log.3"])
    assert.not.ok(existsSync(join(dir, "app.log.4")))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("every CSV file (after each rotation too) starts with the header once and parses back with csv-parse", () => {
  const { dir } = writeLogs("csv", 2 * MB + 100_000)
  try {
    let rows = 0
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), "utf8")
      assert.ok(text.startsWith(csvHeader()), `${name} starts with the header`)
      assert.is(text.split(csvHeader()).length, 2, `${name} has the header once`)
      const records = parse(text, { columns: true }) as Array<Record<string, string>>
      for (const r of records) {
        assert.equal(Object.keys(r), [...CSV_COLUMNS])
        assert.match(r.session_token, /^\*\*\*\*[0-9a-f]{4}$/)
        assert.match(r.level, /^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$/)
      }
      rows += records.length
    }
    assert.ok(rows > 5000, `${rows} rows`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("CSV quoting survives commas, quotes and newlines (RFC 4180)", () => {
  const nasty = ['a,b', 'say "hi"', "line1\nline2", "cr\r\nlf", " padded ", "plain"]
  const parsed = parse(csvRow(nasty) + csvRow(["x", "", "y", "z", "w", "v"])) as Array<Array<string>>
  assert.equal(parsed[0], nasty)
  assert.equal(parsed[1], ["x", "", "y", "z", "w", "v"])
})

test("JSON lines parse, one object per line, with the custom fields", () => {
  const { dir } = writeLogs("json", 300_000)
  try {
    const lines = readFileSync(join(dir, "app.log"), "utf8").trimEnd().split("\n")
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>
      assert.type(o.user_id, "string")
      assert.type(o.session_id, "string")
      assert.type(o.request_id, "string")
      assert.match(String(o.session_token), /^\*\*\*\*[0-9a-f]{4}$/)
      assert.ok(!Number.isNaN(Date.parse(String(o.timestamp))))
    }
    assert.ok(lines.length > 500)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
