/**
 * @module broker/redis/rawPipe — stream appends and scripts as raw RESP on a
 * connection of their own (standalone Redis). Scripts go through `call` (see
 * broker/redis/scripts for why); what follows is about appends.
 *
 * A batch of N entries goes out as `MULTI`, N `XADD`s, `EXEC`, encoded here
 * into one string and one socket write, and read back by a small RESP2 parser.
 * The transaction makes the batch land at once: a blocked reader (the live
 * tail, a consumer group) wakes once with the whole batch, where plain
 * pipelined XADDs woke it after the first and made it read again for the rest,
 * and nobody sees half a batch. It costs Redis little next to the XADDs. Why not
 * ioredis: its cost per command and per argument (a Command object, a promise,
 * length and encoding work for each of ~14 arguments) made a pipeline of XADDs
 * ≈ 16 µs of client CPU per event, and the workaround, one Lua script per
 * batch carrying the entries as JSON, cost Redis ≈ 3.6 µs per event on top of
 * the XADD itself (cjson plus a `redis.call` per entry). Measured with
 * bench/ingest's NDJSON phase on one box: a bare handler writing raw RESP
 * stored 244k events/s at 3.8 µs CPU/event, the same handler through an
 * ioredis pipeline 76k/s at 16 µs.
 *
 * What it keeps of a client: AUTH / SELECT / CLIENT SETNAME on connect, TLS,
 * a connect timeout and a reply timeout (a silent server fails the batches in
 * flight and drops the socket), and reconnection on the next call after any
 * failure. No offline queue: while Redis is down a call fails at once, like
 * the command connection (→ 503 + Retry-After). A batch in flight when the
 * connection drops fails, though it may have landed (whole): at-least-once,
 * as with any client.
 */
import { Buffer } from "node:buffer"
import { connect as connectTcp, type Socket } from "node:net"
import { connect as connectTls } from "node:tls"
import type { RedisAddress } from "./address.ts"
import { reconnectDelayMs } from "./failure.ts"
import { describeReply, encodeCommand, encodeXadds, EXEC, MULTI, readReplies, type PipeReply } from "./resp.ts"

export interface RawPipeSettings {
  readonly address: RedisAddress
  readonly connectTimeoutMs: number
  /** Longest wait for the oldest batch's replies before the connection is given up. */
  readonly replyTimeoutMs: number
}

export interface RawPipe {
  /**
   * `XADD stream [MAXLEN ~ maxLen] * name value …` for each entry, in order,
   * in one write. Resolves with one reply per entry (its id, or the error
   * Redis gave for it); rejects when there is no connection or it fails
   * before every reply arrived.
   */
  readonly xadd: (stream: string, entries: ReadonlyArray<Readonly<Record<string, string>>>, maxLen?: number) => Promise<Array<string | Error>>
  /**
   * One command: resolves with its reply; rejects with the error Redis
   * answered, or when there is no connection or it fails first.
   */
  readonly call: (args: ReadonlyArray<string>) => Promise<PipeReply>
  /** Close the connection (batches still in flight fail). */
  readonly close: () => void
}

/** A batch written and waiting for `expected` replies. */
interface InFlight {
  readonly expected: number
  readonly replies: Array<PipeReply>
  readonly resolve: (replies: Array<PipeReply>) => void
  readonly reject: (error: Error) => void
}

/** One socket and the batches waiting on it: a new connection starts with nothing in flight. */
interface Connection {
  readonly socket: Socket
  readonly inFlight: Array<InFlight>
  head: number
  unread: Buffer | undefined
  replyTimer: ReturnType<typeof setTimeout> | undefined
  /** Why it is dead, once it is. */
  lost: Error | undefined
}

export const makeRawPipe = (settings: RawPipeSettings): RawPipe => {
  const { address } = settings
  /** The connection calls use, once connected and past the handshake. */
  let current: Connection | undefined
  let opening: Promise<Connection> | undefined
  let closed = false
  /** After a failed connect, calls fail at once with its error for a while (`reconnectDelayMs`, as the command connection waits). */
  let refused: { readonly error: Error; readonly until: number; readonly times: number } | undefined

  /** Fail everything in flight on `conn` and drop it; the next call reconnects. */
  const lose = (conn: Connection, error: Error) => {
    if (current === conn) current = undefined
    conn.lost ??= error
    conn.socket.destroy()
    conn.unread = undefined
    clearTimeout(conn.replyTimer)
    const failed = conn.inFlight.slice(conn.head)
    conn.head = 0
    conn.inFlight.length = 0
    for (const batch of failed) batch.reject(conn.lost)
  }

  const onReply = (conn: Connection) => (reply: PipeReply) => {
    const batch = conn.inFlight[conn.head]
    if (batch === undefined) throw new Error("a reply arrived that nothing waited for")
    batch.replies.push(reply)
    if (batch.replies.length < batch.expected) return
    conn.inFlight[conn.head] = undefined as unknown as InFlight
    conn.head++
    if (conn.head === conn.inFlight.length) {
      conn.inFlight.length = 0
      conn.head = 0
      clearTimeout(conn.replyTimer)
      conn.replyTimer = undefined
    } else {
      // The next batch gets a full budget from now.
      conn.replyTimer?.refresh()
    }
    batch.resolve(batch.replies)
  }

  const onData = (conn: Connection) => {
    const sink = onReply(conn)
    return (chunk: Buffer) => {
      const buffer = conn.unread === undefined ? chunk : Buffer.concat([conn.unread, chunk])
      try {
        const at = readReplies(buffer, 0, sink)
        conn.unread = at === buffer.length ? undefined : buffer.subarray(at)
      } catch (error) {
        lose(conn, error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  /** Write `text` holding `expected` commands; resolves with their replies. */
  const send = (conn: Connection, text: string, expected: number) =>
    new Promise<Array<PipeReply>>((resolve, reject) => {
      if (conn.lost !== undefined) return reject(conn.lost)
      conn.inFlight.push({ expected, replies: [], resolve, reject })
      conn.replyTimer ??= setTimeout(
        () => lose(conn, new Error(`no reply within ${settings.replyTimeoutMs} ms`)),
        settings.replyTimeoutMs
      )
      conn.socket.write(text)
    })

  const handshake = async (conn: Connection) => {
    const commands: Array<Array<string>> = []
    if (address.password !== undefined) {
      commands.push(address.username === undefined ? ["AUTH", address.password] : ["AUTH", address.username, address.password])
    }
    if (address.db !== 0) commands.push(["SELECT", String(address.db)])
    commands.push(["CLIENT", "SETNAME", "fluxgate-pipe"])
    const replies = await send(conn, commands.map(encodeCommand).join(""), commands.length)
    const refused = replies.find((r): r is Error => r instanceof Error)
    if (refused !== undefined) throw refused
  }

  const connect = (): Promise<Connection> =>
    new Promise<Connection>((resolve, reject) => {
      const socket = address.tls
        ? connectTls({ host: address.host, port: address.port, servername: address.host })
        : connectTcp({ host: address.host, port: address.port })
      const conn: Connection = { socket, inFlight: [], head: 0, unread: undefined, replyTimer: undefined, lost: undefined }
      let lastError: Error | undefined
      const connectTimer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${settings.connectTimeoutMs} ms`)),
        settings.connectTimeoutMs
      )
      socket.setNoDelay(true)
      // Probes an idle connection, so a peer that vanished is found before the next batch waits on it.
      socket.setKeepAlive(true, 30_000)
      socket.on("data", onData(conn))
      socket.on("error", (error) => (lastError ??= error))
      socket.on("close", () => {
        clearTimeout(connectTimer)
        lose(conn, lastError ?? new Error("connection closed"))
        reject(conn.lost) // a no-op once connected
      })
      socket.once(address.tls ? "secureConnect" : "connect", () => {
        clearTimeout(connectTimer)
        handshake(conn).then(
          () => resolve(conn),
          (error: Error) => {
            lastError ??= error
            socket.destroy()
          }
        )
      })
    })

  const open = (): Promise<Connection> => {
    if (closed) return Promise.reject(new Error("raw pipe closed"))
    if (refused !== undefined && Date.now() < refused.until) return Promise.reject(refused.error)
    if (opening === undefined) {
      const attempt = connect().then((conn) => {
        if (closed) {
          lose(conn, new Error("raw pipe closed"))
          throw conn.lost
        }
        refused = undefined
        current = conn
        return conn
      }, (error: Error) => {
        const times = (refused?.times ?? 0) + 1
        refused = { error, until: Date.now() + reconnectDelayMs(times), times }
        throw error
      })
      opening = attempt
      const done = () => {
        if (opening === attempt) opening = undefined
      }
      attempt.then(done, done)
    }
    return opening
  }

  return {
    xadd: async (stream, entries, maxLen) => {
      if (entries.length === 0) return []
      const conn = current ?? await open()
      // Replies: +OK, one +QUEUED per entry, then EXEC's array of ids (or of per-entry errors).
      const replies = await send(conn, MULTI + encodeXadds(stream, entries, maxLen) + EXEC, entries.length + 2)
      const exec = replies[replies.length - 1]
      if (exec instanceof Error) throw exec
      if (exec === null) throw new Error("transaction discarded")
      if (!Array.isArray(exec) || exec.length !== entries.length) throw new Error(`EXEC answered ${describeReply(exec)} for ${entries.length} XADDs`)
      return exec.map((reply: PipeReply) => (typeof reply === "string" || reply instanceof Error ? reply : new Error("XADD answered an array")))
    },
    call: async (args) => {
      const conn = current ?? await open()
      const [reply] = await send(conn, encodeCommand(args), 1)
      if (reply instanceof Error) throw reply
      return reply
    },
    close: () => {
      closed = true
      if (current !== undefined) lose(current, new Error("raw pipe closed"))
    }
  }
}
