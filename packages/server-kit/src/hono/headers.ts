/**
 * @module Request and response headers on the hot path. On Node, `c.req.header()` builds a fetch
 * `Headers` of the whole request on first use, and `c.res.headers` one of the response: Node has
 * already parsed the first and merges the second itself. Everywhere else (Lambda, `app.request()` in
 * tests) these are Hono's own.
 */
import type { Context, Next } from "hono";

/**
 * Response headers as `[name, value]` pairs, names in lowercase (as Node keys them and HTTP/2 writes
 * them): the answer's own headers then override them without folding names per request.
 */
export type HeaderList = ReadonlyArray<readonly [Lowercase<string>, string]>;

/** The part of Node's ServerResponse that {@link withResponseHeaders} uses. */
interface NodeResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  writeHead(statusCode: number, ...rest: unknown[]): unknown;
  /** Header lists waiting for `writeHead`, in the order they were given. */
  [PENDING]?: HeaderList[];
}

type NodeBindings = {
  incoming?: { headers?: Record<string, string | string[] | undefined> };
  outgoing?: NodeResponse;
};

const PENDING = Symbol("withResponseHeaders.pending");

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
 * On Node (@hono/node-server) they are kept on the ServerResponse and added when its `writeHead` is
 * called with the answer's own headers (see {@link writeHeadWithPending}): so they survive whatever
 * rebuilds the answer afterwards (Hono's HEAD handling, a `c.header()` after `next()`), and no fetch
 * `Headers` is built. Elsewhere (Lambda, `app.request()`) they are prepared on the context before
 * `next()` and added afterwards to an answer built without them.
 *
 * @example
 * app.use((c, next) => withResponseHeaders(c, [["X-Request-Id", id]], next));
 */
export function withResponseHeaders(c: Context, headers: HeaderList, next: Next): Promise<void> {
  const out = nodeResponse(c);
  if (out) {
    const pending = out[PENDING];
    if (pending !== undefined) pending.push(headers);
    else if (Object.hasOwn(out, "writeHead")) {
      // Someone else wraps this response's writeHead: leave it alone, set them the slow way.
      for (const [name, value] of headers) out.setHeader(name, value);
    } else {
      out[PENDING] = [headers];
      out.writeHead = writeHeadWithPending;
    }
    // The chain's own promise, handed back as it is: no promise around it, no extra microtask turns.
    return next();
  }
  return addAfter(c, headers, next);
}

/**
 * The ServerResponse's `writeHead` while headers are pending. Given the answer's headers as a plain
 * object (as @hono/node-server gives them), it passes on a new object holding the pending headers,
 * then the answer's own over them under lowercase names: a header the answer sets itself wins in
 * whatever letter case it was given. Otherwise it sets them with `setHeader()` first, which the
 * answer's own headers then override. `setHeader()` is not used on the common path because any call
 * to it makes Node's `writeHead` merge and re-validate every header of the answer one by one:
 * measured at 2-3 µs per request for two headers, a tenth of a small request. The object is built
 * key by key: a spread copy (`{ ...h }`) measured 5 µs slower per request in Node's `writeHead`.
 * Pending names are taken as they are (lowercase, see {@link HeaderList}): folding eleven names per
 * request measured 0.2 µs.
 */
function writeHeadWithPending(this: NodeResponse, statusCode: number, a?: unknown, b?: unknown): unknown {
  const writeHead = (Object.getPrototypeOf(this) as NodeResponse).writeHead;
  const lists = this[PENDING];
  if (lists === undefined) return writeHead.call(this, statusCode, a, b);
  this[PENDING] = undefined;
  const reasonGiven = typeof a === "string";
  const own = reasonGiven ? b : a;
  if (isPlainObject(own)) {
    const merged: Record<string, unknown> = {};
    // In order: of two calls for one header, the later (inner) one wins; the answer's own win over both.
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      for (let i = 0; i < list.length; i++) merged[list[i]![0]] = list[i]![1];
    }
    for (const key in own) merged[key.toLowerCase()] = own[key];
    return reasonGiven
      ? writeHead.call(this, statusCode, a, merged)
      : writeHead.call(this, statusCode, merged);
  }
  for (const list of lists) for (const [name, value] of list) this.setHeader(name, value);
  return writeHead.call(this, statusCode, a, b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

async function addAfter(c: Context, headers: HeaderList, next: Next): Promise<void> {
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
