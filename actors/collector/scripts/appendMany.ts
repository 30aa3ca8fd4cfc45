/**
 * @module collector/scripts/appendMany — append a whole batch of entries to the
 * log stream in ONE command. A pipeline of N XADDs costs ioredis ~10–20 µs of
 * CPU per command (STACK.md: the client, not Redis, is the wall); one script
 * call carrying every entry's fields costs one command, so the collector's
 * batch throughput is bounded by Redis rather than by the client.
 */
import type { Fields, Script } from "../../../src/broker/Script.ts"

/** Flatten a batch to ARGV: maxLen, count, then per entry its field count and name/value pairs. */
export const appendManyArgv = (entries: ReadonlyArray<Fields>, maxLen: number): Array<string> => {
  const argv = [String(maxLen), String(entries.length)]
  for (const fields of entries) {
    const names = Object.keys(fields)
    argv.push(String(names.length))
    for (const name of names) argv.push(name, fields[name])
  }
  return argv
}

/** Reply: the new ids, in order. */
export const appendMany: Script = {
  name: "collector.appendMany",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] the log stream (stream)
-- ARGV[1] MAXLEN ~ cap (0 = no cap)
-- ARGV[2] number of entries
-- ARGV[3…] per entry: its field count n, then n name/value pairs
local rcall = redis.call
local cap = ARGV[1]
local ids = {}
local i = 3
for e = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[i])
  local args = cap ~= "0" and { KEYS[1], "MAXLEN", "~", cap, "*" } or { KEYS[1], "*" }
  for k = 1, n * 2 do args[#args + 1] = ARGV[i + k] end
  i = i + n * 2 + 1
  ids[e] = rcall("XADD", unpack(args))
end
return ids
`,
  embedded: (store, keys, argv) => {
    const cap = Number(argv[0])
    const count = Number(argv[1])
    const ids: Array<string> = []
    let i = 2
    for (let e = 0; e < count; e++) {
      const n = Number(argv[i])
      const fields: Record<string, string> = {}
      for (let k = 0; k < n; k++) fields[argv[i + 1 + 2 * k]] = argv[i + 2 + 2 * k]
      i += n * 2 + 1
      ids.push(store.xadd(keys[0], fields, cap > 0 ? cap : undefined))
    }
    return ids
  }
}
