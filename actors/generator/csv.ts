/** @module generator/csv — RFC 4180 rows: fields with a comma, quote, CR or LF are quoted, quotes doubled, CRLF line ends. */

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/

/** One field, quoted when RFC 4180 requires it (and when it has edge spaces, which some readers trim). */
export const csvField = (value: string | number | boolean | null | undefined): string => {
  const text = value === null || value === undefined ? "" : String(value)
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One record, terminated by CRLF (RFC 4180 §2.1). */
export const csvRow = (values: ReadonlyArray<string | number | boolean | null | undefined>): string =>
  `${values.map(csvField).join(",")}\r\n`
