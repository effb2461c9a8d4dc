/**
 * @module Request headers on the hot path. On Node, `c.req.header()` builds a fetch `Headers` of the
 * whole request on first use; Node has already parsed them into a plain object, which this reads.
 * Everywhere else (Lambda, `app.request()` in tests) it is `c.req.header()`.
 */
import type { Context } from "hono";

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
