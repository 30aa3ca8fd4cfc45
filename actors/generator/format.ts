/**
 * @module generator/format — Python `logging`'s %-style format strings (seed
 * 002's `LOG_FORMAT`): `%(asctime)s`, `%(levelname)-8s`, `%(message).10s`,
 * `%(process)d`, `%(msecs)03d`, `%%`. Keys not in the record are left as
 * written, so a typo is visible in the output instead of breaking the logger.
 */

/** The attributes a format can name (Python's LogRecord names, plus any custom fields). */
export type LogRecordValues = Readonly<Record<string, string | number | undefined>>

const SPEC = /%%|%\((\w+)\)([#0\- +]*)(\d+)?(?:\.(\d+))?([sdifrxXeEgGoc])/g

const pad2 = (n: number) => String(n).padStart(2, "0")

/** Python's default `asctime`: `2026-11-23 06:06:33,123` in local time. */
export const asctime = (ms: number): string => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, "0")}`
}

const applyWidth = (text: string, flags: string, width: number | undefined, numeric: boolean): string => {
  if (width === undefined || text.length >= width) return text
  if (flags.includes("-")) return text.padEnd(width)
  if (numeric && flags.includes("0")) {
    const sign = /^[+\- ]/.test(text) ? text[0] : ""
    return sign + text.slice(sign.length).padStart(width - sign.length, "0")
  }
  return text.padStart(width)
}

const render = (value: string | number, flags: string, precision: number | undefined, conversion: string): { text: string; numeric: boolean } => {
  const n = typeof value === "number" ? value : Number(value)
  const sign = (x: number, s: string) => (x >= 0 && flags.includes("+") ? `+${s}` : x >= 0 && flags.includes(" ") ? ` ${s}` : s)
  switch (conversion) {
    case "d":
    case "i":
      return Number.isFinite(n) ? { text: sign(n, String(Math.trunc(n))), numeric: true } : { text: String(value), numeric: false }
    case "f":
    case "F":
      return Number.isFinite(n) ? { text: sign(n, n.toFixed(precision ?? 6)), numeric: true } : { text: String(value), numeric: false }
    case "e":
    case "E": {
      const t = n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, "e$10$2")
      return { text: sign(n, conversion === "E" ? t.toUpperCase() : t), numeric: true }
    }
    case "g":
    case "G":
      return { text: sign(n, String(Number(n.toPrecision(precision ?? 6)))), numeric: true }
    case "x":
      return { text: Math.trunc(n).toString(16), numeric: true }
    case "X":
      return { text: Math.trunc(n).toString(16).toUpperCase(), numeric: true }
    case "o":
      return { text: Math.trunc(n).toString(8), numeric: true }
    case "r":
      return { text: precision === undefined ? `'${String(value)}'` : `'${String(value)}'`.slice(0, precision), numeric: false }
    default: {
      const s = String(value)
      return { text: precision === undefined ? s : s.slice(0, precision), numeric: false }
    }
  }
}

/** Render `format` with `record`'s values. */
export const formatLog = (format: string, record: LogRecordValues): string =>
  format.replace(SPEC, (whole, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conversion: string) => {
    if (whole === "%%") return "%"
    const value = key === undefined ? undefined : record[key]
    if (value === undefined) return whole
    const { text, numeric } = render(value, flags ?? "", precision === undefined ? undefined : Number(precision), conversion)
    return applyWidth(text, flags ?? "", width === undefined ? undefined : Number(width), numeric)
  })

/** The `%(key)` names a format uses (for `/generator` and validation). */
export const formatKeys = (format: string): Array<string> =>
  [...format.matchAll(SPEC)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]))
