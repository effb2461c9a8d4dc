/** @module Reading the request body once, and handing it to the route without a second conversion. */
import type { Context } from "hono";

const decoder = new TextDecoder();

type NodeIncoming = {
  readableDidRead?: boolean;
  readableEnded?: boolean;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  once(event: "end", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  once(event: "close", listener: () => void): unknown;
};

/**
 * On Node (@hono/node-server), the body read straight from the IncomingMessage: Hono would build a
 * fetch Request around a web stream of it first, which costs more than the rest of a small POST.
 * Only for a body of a declared Content-Length (which Node's parser holds the sender to, and which a
 * body limit in front has already checked) that nothing has started to read.
 */
function readNodeBody(c: Context): Promise<Uint8Array> | undefined {
  const incoming = (c.env as { incoming?: NodeIncoming & { headers?: Record<string, unknown> } } | undefined)
    ?.incoming;
  if (!incoming?.headers || typeof incoming.on !== "function") return undefined;
  if (incoming.readableDidRead || incoming.readableEnded) return undefined;
  if (incoming.headers["content-length"] === undefined || incoming.headers["transfer-encoding"] !== undefined)
    return undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    incoming.on("data", (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    incoming.once("end", () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    incoming.once("error", reject);
    // A client gone before the whole body arrived: settle, so the request does not wait forever.
    incoming.once("close", () => {
      if (!ended) reject(new Error("the request was aborted before its body was complete"));
    });
  });
}

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
  const fresh = cache.text === undefined && cache.json === undefined && cache.arrayBuffer === undefined;
  const fromNode = fresh ? readNodeBody(c) : undefined;
  const bytes = fromNode ? await fromNode : new Uint8Array(await c.req.arrayBuffer());
  if (!fresh) return bytes;
  if (fromNode) {
    // What Hono would have cached had it read the body: later conversions start from it.
    cache.arrayBuffer = Promise.resolve(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
  }
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
