/** @module broker/redis/diagnostics — server version, topology and a measured round trip, for `/valkey_test` and `/healthz`. */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { BrokerDiagnostics } from "../Broker.ts"
import type { StreamUnavailable } from "../../errors.ts"
import type { Connections } from "./connections.ts"
import { asText } from "./reply.ts"

/** Long enough to outlive the GET that follows, short enough that a crash leaves nothing behind for long. */
const DIAGNOSTIC_TTL_MS = "5000"

/** Valkey also reports a compatible `redis_version`, so its own field wins when present. */
const versionFrom = (info: string): string => {
  const field = (name: string) => new RegExp(`^${name}:(.+)$`, "m").exec(info)?.[1].trim()
  const valkey = field("valkey_version")
  if (valkey !== undefined) return `valkey ${valkey}`
  return field("redis_version") ?? "unknown"
}

/** The broker's `diagnostics` for the given connections; `diagnosticKey` comes from `keys.ts`. */
export const diagnostics = (
  { command, attempt, mode }: Connections,
  diagnosticKey: (id: string) => string
): Effect.Effect<BrokerDiagnostics, StreamUnavailable> =>
  attempt("diagnostics", async () => {
    const info = asText(await command.call("INFO", ["server"]), "INFO")
    const key = diagnosticKey(randomUUID())
    const value = String(Date.now())
    const started = performance.now()
    await command.call("SET", [key, value, "PX", DIAGNOSTIC_TTL_MS])
    const read = await command.call("GET", [key])
    const roundTripMs = performance.now() - started
    if (read === null || asText(read, "GET") !== value) throw new Error("the diagnostic key did not read back what was written")
    return { backend: "redis", version: versionFrom(info), mode, roundTripMs: Math.round(roundTripMs * 1000) / 1000 }
  })
