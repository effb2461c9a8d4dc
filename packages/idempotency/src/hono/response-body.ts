/** @module Reading a response's body bytes so they can be stored, cheaply where the runtime allows. */

const encoder = new TextEncoder();

/** 204, 205 and 304 must not carry a body: `new Response()` refuses one. */
export const bodyFor = (status: number, body: Uint8Array) =>
  status === 204 || status === 205 || status === 304 ? null : body;

/**
 * @hono/node-server replaces the global Response with a lightweight one that keeps a string or
 * byte body in a `[status, body, headers]` tuple under a symbol described "cache", and writes it
 * without ever building a web Response. Reading the tuple keeps that fast path (about half the
 * cost of storing a response); anything unexpected falls back to the standard route.
 */
function bufferedBody(res: Response): Uint8Array | undefined {
  for (const symbol of Object.getOwnPropertySymbols(res)) {
    if (symbol.description !== "cache") continue;
    const tuple = (res as unknown as Record<symbol, unknown>)[symbol];
    if (!Array.isArray(tuple) || typeof tuple[0] !== "number") return undefined;
    const body: unknown = tuple[1];
    if (typeof body === "string") return encoder.encode(body);
    if (body instanceof Uint8Array) return body;
    return undefined;
  }
  return undefined;
}

/**
 * The body bytes of `res`, and the response to send from now on: `res` itself when its body could
 * be read without consuming it, else a new Response carrying the same status, headers and bytes.
 *
 * @example
 * const { bytes, response } = await readResponseBody(c.res);
 */
export async function readResponseBody(res: Response): Promise<{ bytes: Uint8Array; response: Response }> {
  const buffered = bufferedBody(res);
  if (buffered) return { bytes: buffered, response: res };
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    bytes,
    response: new Response(bodyFor(res.status, bytes), { status: res.status, headers: res.headers }),
  };
}
