/**
 * @module http/errors — the one table from tagged errors to HTTP responses.
 * Body shape: `{"error":{"code","message","details"}}`.
 */
import type { HttpError } from "../errors.ts"

/** Status per error tag; 503s carry Retry-After. */
export const statusOf: Record<HttpError["_tag"], number> = {
  InvalidPayload: 400,
  Unauthorized: 401,
  NotFound: 404,
  TaskNotFound: 404,
  GateBusy: 409,
  TaskConflict: 409,
  PayloadTooLarge: 413,
  StreamUnavailable: 503,
  MailboxFull: 503
}

const RETRY_AFTER_SECONDS = "1"

/** A JSON error response. */
export const errorJson = (status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers }
  })

const isHttpError = (u: unknown): u is HttpError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && u._tag in statusOf

/** Map any failure to a response: known tags get their status, the rest a 500 that names no internals. */
export const toErrorResponse = (error: unknown, requestId?: string): Response => {
  if (isHttpError(error)) {
    const status = statusOf[error._tag]
    const { _tag, message, ...rest } = error as HttpError & Record<string, unknown>
    const details = Object.keys(rest).length > 0 ? rest : undefined
    return errorJson(status, _tag, String(message), details, status === 503 ? { "retry-after": RETRY_AFTER_SECONDS } : {})
  }
  return errorJson(500, "InternalError", `internal error${requestId ? ` (request ${requestId})` : ""}`)
}
