/**
 * @module Request and response headers on the hot path. On Node, `c.req.header()` builds a fetch
 * `Headers` of the whole request on first use, and `c.res.headers` one of the response: Node has
 * already parsed the first and merges the second itself. Everywhere else (Lambda, `app.request()` in
 * tests) these are Hono's own.
 */
import type { Context, Next } from "hono";

/** The part of Node's ServerResponse that {@link withResponseHeaders} uses. */
interface NodeResponse {
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
 * can still be set; otherwise `undefined` (Lambda, `app.request()` in tests).
 */
function nodeResponse(c: Context): NodeResponse | undefined {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  return outgoing && !outgoing.headersSent && typeof outgoing.setHeader === "function" ? outgoing : undefined;
}

/**
 * Runs the rest of the chain so that every answer to the request carries `headers`, whether the route
 * builds it with `c.json()`, returns a Response of its own or fails into `onError`; a header the
 * answer sets itself wins, and a later call for the same header (a route-level middleware after an
 * app-wide one) wins over an earlier one.
 *
 * On Node (@hono/node-server) they go on the ServerResponse, which `writeHead` merges with the
 * answer's own headers: a plain property each. Setting them on `c.res.headers` would turn the
 * route's lightweight response into a fetch `Headers` (validated, sorted when written), which costs
 * more than many middleware; the price is that on Node they are not visible in `c.res.headers`.
 * Elsewhere (Lambda, `app.request()`) they are prepared on the context before `next()` and added
 * afterwards to an answer built without them.
 *
 * @example
 * app.use((c, next) => withResponseHeaders(c, [["X-Request-Id", id]], next));
 */
export function withResponseHeaders(
  c: Context,
  headers: ReadonlyArray<readonly [string, string]>,
  next: Next,
): Promise<void> {
  const out = nodeResponse(c);
  if (out) {
    // Not an async function on this path: the chain's own promise is handed back as it is, without
    // another promise around it and the extra microtask turns of resolving one with the other.
    // Indexed, not destructured: this runs for every header of every answer.
    for (let i = 0; i < headers.length; i++) out.setHeader(headers[i]![0], headers[i]![1]);
    return next();
  }
  return addAfter(c, headers, next);
}

async function addAfter(
  c: Context,
  headers: ReadonlyArray<readonly [string, string]>,
  next: Next,
): Promise<void> {
  for (const [name, value] of headers) c.header(name, value);
  await next();
  for (const [name, value] of headers) {
    if (c.res.headers.has(name)) continue;
    try {
      c.res.headers.set(name, value);
    } catch {
      c.header(name, value); // immutable headers (a proxied fetch Response): Hono copies the response
    }
  }
}
