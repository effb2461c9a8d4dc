/**
 * @module Request headers on the hot path. On Node, `c.req.header()` builds a fetch `Headers` of the
 * whole request on first use; Node has already parsed them into a plain object, which this reads.
 * Everywhere else (Lambda, `app.request()` in tests) it is `c.req.header()`.
 */
import type { Context } from "hono";

/** The part of Node's ServerResponse that {@link nodeResponse} hands out. */
export interface NodeResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
}

type NodeBindings = {
  incoming?: { headers?: Record<string, string | string[] | undefined> };
  outgoing?: NodeResponse;
};

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
 * On Node (@hono/node-server), the ServerResponse this request will be answered on, while its headers
 * can still be set; otherwise `undefined` (Lambda, `app.request()` in tests). A header set on it
 * reaches every answer to the request, however the handler builds it, at the cost of a plain
 * property: @hono/node-server's `writeHead` merges it with the returned Response's headers, which win
 * on a clash. Setting it on `c.res.headers` instead turns the handler's lightweight response into a
 * fetch `Headers` (validated, sorted when written), which costs more than many middleware.
 * A header set this way is not visible in `c.res.headers`: code that must read it back after the
 * handler (none in this repo) should set it on `c.res` instead.
 *
 * @example
 * const out = nodeResponse(c);
 * if (out) out.setHeader("X-Request-Id", id);
 * else c.header("X-Request-Id", id);
 */
export function nodeResponse(c: Context): NodeResponse | undefined {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  return outgoing && !outgoing.headersSent && typeof outgoing.setHeader === "function" ? outgoing : undefined;
}
