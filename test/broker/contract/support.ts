/** @module test/broker/contract/support — small helpers shared by the contract's parts. */
import { Cause, Effect, Exit } from "effect"
import * as assert from "uvu/assert"

/** Milliseconds on a monotonic clock, for "woke at once" and "waited its block time" checks. */
export const clock = Effect.sync(() => performance.now())

/** Parse `<ms>-<seq>` for ordering checks (BigInt: seq and ms together exceed 2^53 as one number). */
export const idKey = (id: string): bigint => {
  assert.match(id, /^\d+-\d+$/, `stream id ${id} is <ms>-<seq>`)
  const [ms, seq] = id.split("-")
  return BigInt(ms) * 2n ** 64n + BigInt(seq)
}

/** Assert ids are well-formed and strictly increasing. */
export const assertIncreasing = (ids: ReadonlyArray<string>): void => {
  for (let i = 1; i < ids.length; i++) assert.ok(idKey(ids[i - 1]) < idKey(ids[i]), `${ids[i - 1]} < ${ids[i]}`)
}

/** Assert a fiber's exit is an interruption and nothing else. */
export const assertInterrupted = <A, E>(exit: Exit.Exit<A, E>): void => {
  assert.ok(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause), "the fiber ended by interruption")
}

/** `count` small entries `{ n: "0" }, { n: "1" }, …`. */
export const numbered = (count: number, from = 0): Array<Record<string, string>> =>
  Array.from({ length: count }, (_, i) => ({ n: String(from + i) }))
