/**
 * @module ui/proxy — a separate `ui` process (seed 000's client container)
 * forwards `/api/*` to `API_URL`. Responses stream through unbuffered, so the
 * SSE live tail works across the proxy; a client disconnect or shutdown aborts
 * the upstream request so no stream outlives its reader.
 */
import { errorJson } from "../../src/http/errors.ts"

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not the message;
// content-length/encoding are recomputed because fetch decodes compressed bodies.
const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
  "upgrade", "host", "content-length", "content-encoding"
])

const forwardHeaders = (from: Headers, extra: Record<string, string> = {}): Headers => {
  const out = new Headers()
  from.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.set(name, value)
  })
  for (const [name, value] of Object.entries(extra)) out.set(name, value)
  return out
}

/** The upstream URL for a proxied request: `/api/x?y` → `<apiUrl>/x?y` (apiUrl may carry a base path). */
export const upstreamUrl = (apiUrl: string, requestUrl: string): URL => {
  const incoming = new URL(requestUrl)
  const base = new URL(apiUrl)
  const basePath = base.pathname.replace(/\/+$/, "")
  const target = new URL(base.origin)
  target.pathname = `${basePath}${incoming.pathname.slice("/api".length) || "/"}`
  target.search = incoming.search
  return target
}

/**
 * Forward `request` to `apiUrl`. `stop` aborts every proxied request at
 * shutdown; the request's own signal aborts it when the client goes away.
 */
export const proxyRequest = async (apiUrl: string, request: Request, stop: AbortSignal): Promise<Response> => {
  const target = upstreamUrl(apiUrl, request.url)
  const incoming = new URL(request.url)
  const hasBody = request.method !== "GET" && request.method !== "HEAD"
  try {
    // Bodies are small (MAX_BODY_BYTES already applied): buffering them avoids streaming-upload quirks.
    const body = hasBody ? await request.arrayBuffer() : undefined
    const upstream = await fetch(target, {
      method: request.method,
      headers: forwardHeaders(request.headers, {
        "x-forwarded-host": incoming.host,
        "x-forwarded-proto": incoming.protocol.replace(":", "")
      }),
      body,
      redirect: "manual",
      signal: AbortSignal.any([request.signal, stop])
    })
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: forwardHeaders(upstream.headers)
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return errorJson(502, "BadGateway", `API_URL ${new URL(apiUrl).origin} did not answer: ${reason}`, undefined, { "retry-after": "1" })
  }
}
