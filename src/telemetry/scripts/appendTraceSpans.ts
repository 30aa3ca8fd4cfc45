/** @module telemetry/scripts/appendTraceSpans — add finished spans to one trace's entry in the shared trace index. */
import type { Script } from "../../broker/Script.ts"

/**
 * Append spans, keep only the newest `cap`, and (re)arm the TTL, in one step:
 * whatever floods a trace, the key stays bounded and expires on its own.
 * Reply: the number of spans the trace now holds.
 */
export const appendTraceSpans: Script = {
  name: "fluxgate_append_trace_spans",
  numberOfKeys: 1,
  lua: `
-- KEYS[1] list    the trace's spans (JSON, oldest first)
-- ARGV[1] TTL in ms
-- ARGV[2] most spans kept
-- ARGV[3..] span records (JSON)
local rcall = redis.call
rcall("RPUSH", KEYS[1], unpack(ARGV, 3))
rcall("LTRIM", KEYS[1], -tonumber(ARGV[2]), -1)
rcall("PEXPIRE", KEYS[1], ARGV[1])
return rcall("LLEN", KEYS[1])
`,
  embedded: (store, keys, argv) => {
    const [key] = keys
    store.rpush(key, ...argv.slice(2))
    const cap = Number(argv[1])
    while (store.llen(key) > cap) store.lpop(key)
    store.pexpire(key, Number(argv[0]))
    return store.llen(key)
  }
}
