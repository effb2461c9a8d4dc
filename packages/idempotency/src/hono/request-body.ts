/** @module Reading the request body once, and handing it to the route without a second conversion. */
import type { Context } from "hono";

const decoder = new TextDecoder();

/**
 * The request body's bytes, read through Hono so the route can read the body again. Hono would serve
 * the route's `c.req.json()` or `c.req.text()` by wrapping the cached bytes in a new Response and
 * decoding that; instead its body cache gets the text and the JSON directly, each decoded only if
 * the route asks (same results: UTF-8 without BOM, then JSON.parse; invalid JSON rejects).
 *
 * @example
 * const bytes = await readRequestBody(c);
 * // later, in the route: await c.req.json() parses `bytes` once, without another Response
 */
export async function readRequestBody(c: Context): Promise<Uint8Array> {
  const cache = c.req.bodyCache as Record<string, unknown>;
  const fresh = cache.text === undefined && cache.json === undefined;
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (!fresh) return bytes;
  let text: Promise<string> | undefined;
  let json: Promise<unknown> | undefined;
  const textOf = () => {
    text ??= Promise.resolve().then(() => decoder.decode(bytes));
    return text;
  };
  // Getters, so nothing is decoded for a route that never reads the body; not enumerable, because
  // Hono converts from the first enumerable entry when the asked-for type is missing.
  Object.defineProperty(cache, "text", { configurable: true, get: textOf });
  Object.defineProperty(cache, "json", {
    configurable: true,
    get: () => {
      json ??= textOf().then((t) => JSON.parse(t) as unknown);
      return json;
    },
  });
  return bytes;
}
