/** @module broker/redis/scripts — run Lua scripts by SHA, loading them on NOSCRIPT. */
import { createHash } from "node:crypto"
import type { Effect } from "effect"
import type { StreamUnavailable } from "../../errors.ts"
import type { Reply, Script } from "../Broker.ts"
import type { Client, Connections } from "./connections.ts"
import { reasonOf } from "./failure.ts"
import { toReply } from "./reply.ts"

/** The Redis half of a `Script`: what the Redis broker needs to run it (its own internal scripts have no embedded twin). */
export type RedisScript = Pick<Script, "name" | "numberOfKeys" | "lua">

const shas = new Map<string, string>()
const shaOf = (lua: string): string => {
  let sha = shas.get(lua)
  if (sha === undefined) {
    sha = createHash("sha1").update(lua).digest("hex")
    shas.set(lua, sha)
  }
  return sha
}

const checkKeyCount = (script: RedisScript, keys: ReadonlyArray<string>): void => {
  // A wrong count silently shifts KEYS into ARGV, and in a cluster routes by the wrong key.
  if (keys.length !== script.numberOfKeys) {
    throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`)
  }
}

/**
 * EVALSHA first: the script body crosses the wire only when this server has
 * not seen it (after a restart, a failover, or on a new cluster node).
 */
export const evalScript = async (
  client: Client,
  script: RedisScript,
  keys: ReadonlyArray<string>,
  argv: ReadonlyArray<string>
): Promise<Reply> => {
  checkKeyCount(script, keys)
  const args = [String(keys.length), ...keys, ...argv]
  try {
    return toReply(await client.call("EVALSHA", [shaOf(script.lua), ...args]))
  } catch (error) {
    if (!reasonOf(error).startsWith("NOSCRIPT")) throw error
    return toReply(await client.call("EVAL", [script.lua, ...args]))
  }
}

/** The broker's `run`: a script on the command connection, failures named after the script. */
export const scriptRunner = ({ command, attempt }: Connections) =>
(script: RedisScript, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>): Effect.Effect<
  Reply,
  StreamUnavailable
> => attempt(`run ${script.name}`, () => evalScript(command, script, keys, argv))
