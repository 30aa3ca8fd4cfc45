/** @module broker/redis/scripts — run Lua scripts by SHA, loading them on NOSCRIPT. */
import { createHash } from "node:crypto"
import type { Effect } from "effect"
import type { StreamUnavailable } from "../../errors.ts"
import type { Reply, Script } from "../Broker.ts"
import type { Client, Connections } from "./connections.ts"
import { reasonOf } from "./failure.ts"
import { toReply } from "./reply.ts"
import type { RawPipe } from "./rawPipe.ts"

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

/** Sends one command; resolves with its reply, rejects with the error Redis answered. */
type Call = (command: string, args: Array<string>) => Promise<unknown>

/**
 * EVALSHA first: the script body crosses the wire only when this server has
 * not seen it (after a restart, a failover, or on a new cluster node). The
 * EVAL retry goes out after whatever was sent meanwhile, so nothing may count
 * on a script running before a command sent behind it without awaiting its
 * reply (actors/tasks/store's bulk enqueue pushes with a script that checks
 * its records exist, and sends it again if they did not yet).
 */
const evalWith = async (call: Call, script: RedisScript, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>): Promise<Reply> => {
  checkKeyCount(script, keys)
  const args = [String(keys.length), ...keys, ...argv]
  try {
    return toReply(await call("EVALSHA", [shaOf(script.lua), ...args]))
  } catch (error) {
    if (!reasonOf(error).startsWith("NOSCRIPT")) throw error
    return toReply(await call("EVAL", [script.lua, ...args]))
  }
}

/** A script over ioredis (the cluster's routing, and streams/groups' own scripts). */
export const evalScript = (client: Client, script: RedisScript, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>): Promise<Reply> =>
  evalWith((command, args) => client.call(command, args), script, keys, argv)

/** A script on the raw pipe. */
const evalOnPipe = (pipe: RawPipe, script: RedisScript, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>): Promise<Reply> =>
  evalWith((command, args) => pipe.call([command, ...args]), script, keys, argv)

/**
 * The broker's `run`, failures named after the script. On standalone Redis
 * scripts go over the raw pipe (see rawPipe): a bulk enqueue sends its
 * records as ≈ 4 arguments per task and its envelopes (`pushBatch`) as one
 * argument each, and through ioredis every argument and command cost client
 * CPU and kept garbage alive across scavenges (bench/tasks' enqueue, with the
 * records as plain arguments: 0.72–1.12 of the floor's rate per round, median
 * 0.84, in three runs, against a median of 0.75 through ioredis; the processed
 * rate unchanged within noise). In a cluster ioredis routes them by key.
 */
export const scriptRunner = ({ command, attempt, rawPipe }: Connections) =>
(script: RedisScript, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>): Effect.Effect<
  Reply,
  StreamUnavailable
> =>
  attempt(
    `run ${script.name}`,
    rawPipe === undefined ? () => evalScript(command, script, keys, argv) : () => evalOnPipe(rawPipe, script, keys, argv)
  )
