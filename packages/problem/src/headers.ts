/**
 * @module Request and response headers on the hot path. Reading a header through `c.req.header()`
 * on Node builds a fetch `Headers` object of the whole request, and every response header set
 * through `c.header()` builds another for the response; each costs microseconds per request.
 * These helpers read Node's already-parsed headers and collect response headers in a plain object
 * when the app offers one (createServiceApp of @org/server-kit does), and fall back to Hono's way
 * everywhere else (Lambda, `app.request()` in tests, a plain Hono app).
 */
import type { Context } from "hono";

/** The context variable holding the response headers an app collects for whatever answers. */
export const RESPONSE_HEADERS_VAR = "responseHeaders";

/** Context variables of an app that collects response headers. */
export interface ResponseHeadersVariables {
  /** Response headers by lowercase name, applied to whichever response leaves. */
  responseHeaders: Record<string, string>;
}

type NodeBindings = { incoming?: { headers?: Record<string, string | string[] | undefined> } };

/**
 * A request header's value. On Node (@hono/node-server) it is read from the IncomingMessage's parsed
 * headers, where a repeated header other than a list header (Authorization, Host, Content-Length, ...)
 * keeps its first value; elsewhere from the fetch Request.
 *
 * @param name - the header name, lowercase
 * @example
 * const auth = requestHeader(c, "authorization");
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (incoming?.headers) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }
  return c.req.header(name);
}

/**
 * Sets a header on the response to come, whichever builds it. Call it before `next()`. Returns true
 * when the app collects response headers (they will be on every response, errors included); false
 * when it fell back to `c.header()`, in which case a response built without the prepared headers
 * (an error answered by onError) does not carry it: the caller re-applies it after `next()`.
 *
 * @example
 * const collected = setResponseHeader(c, "X-Request-Id", id);
 * await next();
 * if (!collected && !c.res.headers.has("X-Request-Id")) c.res.headers.set("X-Request-Id", id);
 */
export function setResponseHeader(c: Context, name: string, value: string): boolean {
  const collected = (c.get as (k: string) => Record<string, string> | undefined)(RESPONSE_HEADERS_VAR);
  if (collected) {
    collected[name.toLowerCase()] = value;
    return true;
  }
  c.header(name, value);
  return false;
}
