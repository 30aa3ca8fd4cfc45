/**
 * @module broker/wellFormed — text that crosses to Redis inside a script's
 * JSON argument must be well-formed UTF-16: a lone surrogate becomes a
 * `"\ud800"` escape that Redis's `cjson` refuses, failing the whole batch.
 */

/** ES2024 string methods (Node 20, Deno), not yet in the TS lib this project targets. */
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string }

/**
 * Lone surrogates (a JSON `"\ud800"` escape decodes to one) become U+FFFD —
 * what Redis would have stored for them anyway — so every stored string is
 * valid UTF-8 and a batch's JSON text is accepted by `cjson`.
 */
export const wellFormed = (text: string): string =>
  (text as WellFormedString).isWellFormed() ? text : (text as WellFormedString).toWellFormed()
