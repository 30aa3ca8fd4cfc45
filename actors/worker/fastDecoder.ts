/**
 * @module worker/fastDecoder — a plain-code decoder for the simplest payload
 * schemas, tried before Effect Schema's own.
 *
 * Every leased task's payload is decoded with its handler's schema. For an
 * `add` payload the full decoder allocates ≈ 2.4 KB (Either, Option and issue
 * objects per property and refinement): a third of all the bytes a processed
 * task allocated, and GC work on the worker's other core (measured with the
 * sampling heap profiler). This path covers a struct of required string,
 * number or boolean properties with refinements (filters) on them: it checks
 * the same things in the same order and builds the same output object (known
 * properties only, in schema order). Anything it does not cover, and every
 * value it does not accept, goes to the full decoder, which stays the only
 * source of error messages. test/worker/worker.fastDecoder.test.ts holds the
 * two to the same answers.
 */
import { Option, SchemaAST, type Schema } from "effect"

type Check = (value: unknown) => boolean

/** How payloads are decoded (lease.ts's full decoder too): filters see these options on both paths. */
export const PAYLOAD_PARSE_OPTIONS: SchemaAST.ParseOptions = { errors: "all" }

const checkFor = (ast: SchemaAST.AST): Check | null => {
  switch (ast._tag) {
    case "StringKeyword":
      return (v) => typeof v === "string"
    case "NumberKeyword":
      return (v) => typeof v === "number"
    case "BooleanKeyword":
      return (v) => typeof v === "boolean"
    case "Refinement": {
      const from = checkFor(ast.from)
      return from === null ? null : (v) => from(v) && Option.isNone(ast.filter(v, PAYLOAD_PARSE_OPTIONS, ast))
    }
    default:
      return null
  }
}

/**
 * A decoder for `schema` that returns the decoded value, or `undefined` when the
 * full decoder must decide; `null` when the schema is outside what it covers.
 */
export const fastDecoder = (schema: Schema.Schema<unknown, unknown>): ((input: unknown) => unknown) | null => {
  const ast = schema.ast
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) return null
  // Parse options on the struct itself (exact, onExcessProperty) change what decoding does.
  if (Option.isSome(SchemaAST.getParseOptionsAnnotation(ast))) return null
  const properties: Array<readonly [string, Check]> = []
  for (const ps of ast.propertySignatures) {
    if (ps.isOptional || typeof ps.name !== "string") return null
    const check = checkFor(ps.type)
    if (check === null) return null
    properties.push([ps.name, check])
  }
  return (input) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
    const record = input as Record<string, unknown>
    const output: Record<string, unknown> = {}
    for (const [name, check] of properties) {
      const value = record[name]
      if (!check(value)) return undefined
      output[name] = value
    }
    return output
  }
}
