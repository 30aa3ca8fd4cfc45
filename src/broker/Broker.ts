/**
 * @module Broker — the only way actors talk to each other. Operations are named
 * by meaning; `redis.ts` maps them to Redis commands and Lua scripts,
 * `memory.ts` implements the same semantics in-process.
 */
import { Context, Effect } from "effect"
import type { StreamUnavailable } from "../errors.ts"
import type { Fields, Reply, Script } from "./Script.ts"

export type { Fields, Reply, Script } from "./Script.ts"

/** One stream entry: its id (`<ms>-<seq>`) and its fields. */
export interface StreamEntry {
  readonly id: string
  readonly fields: Fields
}

/** A pending entry handed to a consumer by a claim, with its delivery count. */
export interface ClaimedEntry extends StreamEntry {
  readonly deliveries: number
}

/** What the stream itself holds. */
export interface StreamInfo {
  readonly length: number
  readonly firstId: string | null
  readonly lastId: string | null
}

/** A consumer group's progress. `lag` is entries not yet delivered to any member. */
export interface GroupInfo {
  readonly pending: number
  readonly lag: number
  readonly lastDeliveredId: string
  readonly oldestPendingIdleMs: number | null
  readonly consumers: ReadonlyArray<{ readonly name: string; readonly pending: number; readonly idleMs: number }>
}

/** Diagnostics for `/valkey_test` and `/healthz`. */
export interface BrokerDiagnostics {
  readonly backend: "embedded" | "redis"
  readonly version: string
  readonly mode: "embedded" | "standalone" | "cluster"
  readonly roundTripMs: number
}

type Op<A> = Effect.Effect<A, StreamUnavailable>

export interface BrokerService {
  readonly backend: "embedded" | "redis"
  /**
   * "embedded" (in process), "standalone" (one Redis; scripts and
   * stream appends travel on a raw pipe, other commands on the command
   * connection) or "cluster" (nodes, routed by key).
   */
  readonly mode: "embedded" | "standalone" | "cluster"

  // ── Streams ────────────────────────────────────────────────────────────────
  /** Append entries in order, capping the stream at about `maxLen` (XADD MAXLEN ~; absent = no cap); one round trip. Returns their ids. */
  readonly append: (stream: string, entries: ReadonlyArray<Fields>, options?: { readonly maxLen?: number }) => Op<ReadonlyArray<string>>
  /** Create the consumer group (and the stream) if missing, starting at `startId` ("$" new only, "0" everything). */
  readonly ensureGroup: (stream: string, group: string, startId?: string) => Op<void>
  /** Deliver up to `count` never-delivered entries to `consumer`, waiting up to `blockMs` (0 = don't wait) for one. */
  readonly readGroup: (
    stream: string, group: string, consumer: string,
    options: { readonly count: number; readonly blockMs: number }
  ) => Op<ReadonlyArray<StreamEntry>>
  /** Acknowledge entries: they leave the group's pending list. Returns how many were pending. */
  readonly ack: (stream: string, group: string, ids: ReadonlyArray<string>) => Op<number>
  /** Move entries pending longer than `minIdleMs` to `consumer`, incrementing their delivery count. */
  readonly claimIdle: (
    stream: string, group: string, consumer: string,
    options: { readonly minIdleMs: number; readonly count: number }
  ) => Op<ReadonlyArray<ClaimedEntry>>
  /** The group's pending count, lag and per-consumer detail. Fails soft: a missing group reports zeros. */
  readonly groupInfo: (stream: string, group: string) => Op<GroupInfo>
  /** Entries with id strictly after `afterId` (or from the start when null), oldest first, at most `count`. */
  readonly rangeAfter: (stream: string, afterId: string | null, count: number) => Op<ReadonlyArray<StreamEntry>>
  /** The newest `count` entries, oldest first. */
  readonly latest: (stream: string, count: number) => Op<ReadonlyArray<StreamEntry>>
  /** Entries after `afterId` ("$" = only new ones), waiting up to `blockMs` for the first. Used for live tails. */
  readonly readAfter: (
    stream: string, afterId: string,
    options: { readonly count: number; readonly blockMs: number }
  ) => Op<ReadonlyArray<StreamEntry>>
  /** Length and first/last ids. */
  readonly streamInfo: (stream: string) => Op<StreamInfo>

  // ── Lists (queues) ─────────────────────────────────────────────────────────
  /** Push values on the head of a list (LPUSH: the tail is served first). Returns the new length. */
  readonly push: (list: string, values: ReadonlyArray<string>) => Op<number>
  /**
   * Move one value from the tail of `from` to the head of `to` (a processing list),
   * waiting up to `blockMs`; null on timeout. Interrupting releases the wait.
   */
  readonly lease: (from: string, to: string, blockMs: number) => Op<string | null>
  /** Move up to `count` values without waiting (one round trip). */
  readonly leaseMany: (from: string, to: string, count: number) => Op<ReadonlyArray<string>>
  /** Pop from the tail, waiting up to `blockMs`; null on timeout. */
  readonly take: (list: string, blockMs: number) => Op<string | null>
  /** Remove `value` from `list` (LREM count 1). Returns how many were removed. */
  readonly remove: (list: string, value: string) => Op<number>
  readonly listLength: (list: string) => Op<number>
  readonly listRange: (list: string, start: number, stop: number) => Op<ReadonlyArray<string>>

  // ── Keys, hashes, sets ─────────────────────────────────────────────────────
  readonly getValue: (key: string) => Op<string | null>
  /** SET with optional TTL and NX; returns whether it was set. */
  readonly setValue: (key: string, value: string, options?: { readonly ttlMs?: number; readonly onlyIfAbsent?: boolean }) => Op<boolean>
  readonly hashGet: (key: string) => Op<Record<string, string> | null>
  /** HSET, then PEXPIRE when `ttlMs` is given. */
  readonly hashSet: (key: string, fields: Readonly<Record<string, string>>, ttlMs?: number) => Op<void>
  readonly hashGetMany: (keys: ReadonlyArray<string>) => Op<ReadonlyArray<Record<string, string> | null>>
  readonly delete: (keys: ReadonlyArray<string>) => Op<number>
  readonly sortedAdd: (key: string, score: number, member: string) => Op<void>
  readonly sortedRemove: (key: string, members: ReadonlyArray<string>) => Op<number>
  /** Members by descending score (newest first when scores are times), skipping `offset`. */
  readonly sortedRangeDesc: (key: string, offset: number, count: number) => Op<ReadonlyArray<string>>
  readonly sortedCount: (key: string) => Op<number>

  // ── Atomic operations and diagnostics ──────────────────────────────────────
  /** Run a script atomically (EVALSHA with EVAL fallback on Redis). */
  readonly run: (script: Script, keys: ReadonlyArray<string>, argv: ReadonlyArray<string>) => Op<Reply>
  readonly diagnostics: Op<BrokerDiagnostics>
}

/** The broker service tag. */
export class Broker extends Context.Tag("fluxgate/Broker")<Broker, BrokerService>() {}
