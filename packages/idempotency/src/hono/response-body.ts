/** @module Reading a response's body bytes so they can be stored, cheaply where the runtime allows. */

const encoder = new TextEncoder();

/** 204, 205 and 304 must not carry a body: `new Response()` refuses one. */
export const bodyFor = (status: number, body: Uint8Array) =>
  status === 204 || status === 205 || status === 304 ? null : body;

/** What the Node adapter keeps of a buffered response: its body and, when plain, its headers. */
interface Buffered {
  body: Uint8Array;
  /** The headers as the route gave them (a plain object), or undefined when they are a Headers. */
  headers: Record<string, string> | undefined;
}

/**
 * @hono/node-server replaces the global Response with a lightweight one that keeps a string or
 * byte body in a `[status, body, headers]` tuple under a symbol described "cache", and writes it
 * without ever building a web Response. Reading the tuple keeps that fast path (about half the
 * cost of storing a response); anything unexpected falls back to the standard route.
 */
function buffered(res: Response): Buffered | undefined {
  for (const symbol of Object.getOwnPropertySymbols(res)) {
    if (symbol.description !== "cache") continue;
    const tuple = (res as unknown as Record<symbol, unknown>)[symbol];
    if (!Array.isArray(tuple) || typeof tuple[0] !== "number") return undefined;
    const body: unknown = tuple[1];
    const headers: unknown = tuple[2];
    const plain =
      headers !== null && typeof headers === "object" && Object.getPrototypeOf(headers) === Object.prototype
        ? (headers as Record<string, string>)
        : undefined;
    if (typeof body === "string") return { body: encoder.encode(body), headers: plain };
    if (body instanceof Uint8Array) return { body, headers: plain };
    return undefined;
  }
  return undefined;
}

/**
 * The body bytes of `res`, the response to send from now on (`res` itself when its body could be
 * read without consuming it, else a new Response with the same status, headers and bytes), and the
 * response's headers that `keep` accepts (lowercase names).
 *
 * @example
 * const { bytes, response, headers } = await readResponseBody(c.res, (name) => allowed.has(name));
 */
export async function readResponseBody(
  res: Response,
  keep: (lowercaseName: string) => boolean,
): Promise<{ bytes: Uint8Array; response: Response; headers: Record<string, string> }> {
  const found = buffered(res);
  // Plain headers are read as given: asking `res.headers` would build a fetch Headers for them.
  if (found) return { bytes: found.body, response: res, headers: kept(found.headers ?? res.headers, keep) };
  const bytes = new Uint8Array(await res.arrayBuffer());
  const response = new Response(bodyFor(res.status, bytes), { status: res.status, headers: res.headers });
  return { bytes, response, headers: kept(response.headers, keep) };
}

/** The headers `keep` accepts, by lowercase name. */
function kept(
  headers: Headers | Record<string, string>,
  keep: (lowercaseName: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) {
    for (const [name, value] of headers) if (keep(name)) out[name] = value;
    return out;
  }
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (keep(lower)) out[lower] = String(headers[name]);
  }
  return out;
}
