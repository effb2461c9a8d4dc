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
  hasHeader(name: string): boolean;
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
 * On Node (@hono/node-server) they are added once the answer is built: into the plain header object
 * that @hono/node-server hands to `writeHead` with the answer (see {@link lightweightHeaders}), else
 * on the ServerResponse. Either way no fetch `Headers` is built. Elsewhere (Lambda, `app.request()`)
 * they are prepared on the context before `next()` and added afterwards to an answer built without them.
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
  return out ? addOnNode(c, out, headers, next) : addAfter(c, headers, next);
}

async function addOnNode(
  c: Context,
  out: NodeResponse,
  headers: ReadonlyArray<readonly [string, string]>,
  next: Next,
): Promise<void> {
  await next();
  if (out.headersSent) return;
  const cache = lightweightHeaders(c.res);
  if (cache) {
    // A copy: the object may be the route's own, shared by every answer it gives. Copied key by key:
    // a spread copy (`{ ...h }`) measured 5 µs slower per request in Node's writeHead afterwards.
    const own = cache[2];
    const merged: Record<string, unknown> = {};
    for (const key in own) merged[key] = own[key];
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i]![0];
      if (!hasKey(own, name)) merged[name] = headers[i]![1];
    }
    cache[2] = merged;
    return;
  }
  // The answer's own headers (given to writeHead later) override these, as they should.
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]![0];
    if (!out.hasHeader(name)) out.setHeader(name, headers[i]![1]);
  }
}

/** Whether a header object holds `name`, in any letter case. */
function hasKey(object: Record<string, unknown>, name: string): boolean {
  if (name in object) return true;
  const first = name.charCodeAt(0) | 0x20;
  for (const key in object) {
    if (
      key.length === name.length &&
      (key.charCodeAt(0) | 0x20) === first &&
      key.toLowerCase() === name.toLowerCase()
    )
      return true;
  }
  return false;
}

/** A lightweight answer's cached `[status, body, headers]`, as @hono/node-server keeps it. */
type LightweightCache = [number, unknown, Record<string, unknown>];

let cacheKey: symbol | undefined;

/**
 * @hono/node-server answers `c.json()`, `c.text()` and `new Response(string, init)` with a
 * lightweight Response that keeps `[status, body, headers]` under a private symbol and, for a plain
 * header object, passes that object straight to `writeHead`: adding to it costs a property each.
 * Any `setHeader()` call on the ServerResponse instead makes `writeHead` re-validate and merge every
 * header one by one, which measured 2-3 µs per request for two headers (a tenth of a request), and
 * `c.res.headers` builds a fetch `Headers`. The symbol is not exported, so it is found by its
 * description and the value's shape; when either does not match (another adapter or version, a
 * streamed or `Headers`-built answer), this returns undefined and the caller uses `setHeader()`.
 */
function lightweightHeaders(res: Response): LightweightCache | undefined {
  const holder = res as unknown as Record<symbol, unknown>;
  if (cacheKey === undefined) {
    cacheKey = Object.getOwnPropertySymbols(holder).find((s) => s.description === "cache");
    if (cacheKey === undefined) return undefined;
  }
  const cache = holder[cacheKey];
  if (!Array.isArray(cache) || cache.length !== 3 || typeof cache[0] !== "number") return undefined;
  const h: unknown = cache[2];
  if (typeof h !== "object" || h === null) return undefined;
  const proto = Object.getPrototypeOf(h);
  return proto === Object.prototype || proto === null ? (cache as LightweightCache) : undefined;
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
