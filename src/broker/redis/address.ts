/** @module broker/redis/address — parse the Redis address forms the seeds use into connection options. */

/** Where and how to connect: what `REDIS_URL` / `REDIS_ADDR` said, with defaults filled in. */
export interface RedisAddress {
  readonly host: string
  readonly port: number
  readonly db: number
  readonly username?: string
  readonly password?: string
  readonly tls: boolean
}

const DEFAULT_PORT = 6379

/** Render an address for messages and logs: host, port and db, never the credentials. */
export const describeAddress = (address: Pick<RedisAddress, "host" | "port" | "db" | "tls">): string => {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host
  return `${address.tls ? "rediss" : "redis"}://${host}:${address.port}${address.db === 0 ? "" : `/${address.db}`}`
}

/** Remove `user:password@` from an input before quoting it in an error message. */
const redact = (value: string): string => value.replace(/\/\/[^@/]*@/, "//***@").replace(/^[^/@]*@/, "***@")

const invalid = (value: string, why: string): Error =>
  new Error(`invalid Redis address "${redact(value)}": ${why} (expected redis://[user:password@]host[:port][/db], rediss://…, or host:port)`)

const parseDb = (value: string, path: string): number => {
  const text = path.replace(/^\/+/, "").replace(/\/+$/, "")
  if (text === "") return 0
  if (!/^\d+$/.test(text)) throw invalid(value, `database "${text}" is not a number`)
  return Number(text)
}

const decode = (value: string, part: string): string | undefined => {
  if (part === "") return undefined
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalid(value, "credentials are not valid percent-encoding")
  }
}

/**
 * Parse `redis://host:port/db`, `rediss://…` (TLS), `redis://:password@host:port`,
 * `redis://user:password@host`, and seed 004's bare `host:port` (or just `host`).
 * Missing port → 6379, missing db → 0. IPv6 hosts go in brackets (`[::1]:6379`).
 * Throws an Error naming the problem (with credentials redacted) on anything else.
 */
export const parseRedisAddress = (value: string): RedisAddress => {
  const input = value.trim()
  if (input === "") throw invalid(value, "it is empty")
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)
  if (scheme && !["redis", "rediss"].includes(scheme[1].toLowerCase())) {
    throw invalid(value, `unsupported scheme "${scheme[1]}"`)
  }
  const tls = scheme?.[1].toLowerCase() === "rediss"
  // WHATWG URL parses authority for non-special schemes on Node and Deno alike,
  // so a bare `host:port` is given the redis scheme and parsed the same way.
  let url: URL
  try {
    url = new URL(scheme ? input : `redis://${input}`)
  } catch {
    throw invalid(value, "it is not a URL or host:port")
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") throw invalid(value, "the host is missing")
  if (url.search !== "" || url.hash !== "") throw invalid(value, "query strings and fragments are not supported")
  const port = url.port === "" ? DEFAULT_PORT : Number(url.port)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw invalid(value, "the port is out of range")
  const username = decode(value, url.username)
  const password = decode(value, url.password)
  return {
    host,
    port,
    db: parseDb(value, url.pathname),
    tls,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password })
  }
}
