/** @module Response headers collected in a plain object, so that a JSON answer skips fetch `Headers`. */
import { RESPONSE_HEADERS_VAR } from "@org/problem";
import type { Context, MiddlewareHandler } from "hono";

type HeaderFn = (name: string, value?: string, options?: { append?: boolean }) => void;
type JsonFn = (object: unknown, arg?: unknown, headers?: Record<string, string | string[]>) => Response;

/**
 * The outermost middleware of a service app. Middleware and routes set response headers before the
 * answer exists (`setResponseHeader` of @org/problem, or `c.header()`), and they are gathered in one
 * plain object. A route answering `c.json(body)` or `c.json(body, status, headers)` then gets a
 * Response whose headers are that object: on @hono/node-server it is written with one `writeHead`,
 * never through a fetch `Headers` (which costs microseconds per header). Any other response (text,
 * a stream, an error answered by onError, a Response built by hand) gets the collected headers
 * afterwards, where it does not set them itself. Anything the fast path cannot express (an appended
 * header, an options object for `c.json`) takes Hono's own path unchanged.
 *
 * @example
 * app.use(collectResponseHeaders()); // first, before every middleware that sets headers
 */
export function collectResponseHeaders(): MiddlewareHandler {
  return async function collectResponseHeaders(c, next) {
    const collected: Record<string, string> = {};
    c.set(RESPONSE_HEADERS_VAR as never, collected as never);
    let built: Response | undefined;
    let status: number | undefined;
    let honoOnly = false;
    const header = c.header as HeaderFn;
    const setStatus = c.status;
    const json = c.json as unknown as JsonFn;
    (c as { header: HeaderFn }).header = (name, value, options) => {
      if (!c.finalized && !options?.append) {
        const key = name.toLowerCase();
        if (value === undefined) delete collected[key];
        else {
          collected[key] = value;
          return;
        }
      } else {
        // From here Hono's own headers decide; an appended value must follow the one collected.
        honoOnly = true;
        const key = name.toLowerCase();
        const earlier = collected[key];
        if (earlier !== undefined && !c.finalized) {
          delete collected[key];
          header(name, earlier);
        }
      }
      header(name, value, options);
    };
    (c as { status: (s: number) => void }).status = (s) => {
      status = s;
      setStatus(s as never);
    };
    (c as unknown as { json: JsonFn }).json = (object, arg, headers) => {
      if (honoOnly || c.finalized || (arg !== undefined && typeof arg !== "number") || !plain(headers))
        return json(object, arg, headers);
      // A copy: the Node adapter adds Content-Length to the object it is given.
      const out: Record<string, string> = { ...collected };
      if (headers) for (const name in headers) out[name.toLowerCase()] = headers[name] as string;
      out["content-type"] ??= "application/json";
      built = new Response(JSON.stringify(object), {
        status: (arg as number | undefined) ?? status ?? 200,
        headers: out,
      });
      return built;
    };
    await next();
    if (c.res !== built) applyCollected(c, collected);
  };
}

function plain(headers: Record<string, string | string[]> | undefined): boolean {
  if (!headers) return true;
  for (const name in headers) if (typeof headers[name] !== "string") return false;
  return true;
}

/** On a response built some other way: the collected headers it does not set itself. */
function applyCollected(c: Context, collected: Record<string, string>): void {
  let res = c.res;
  for (const name in collected) {
    if (res.headers.has(name)) continue;
    try {
      res.headers.set(name, collected[name] as string);
    } catch {
      // Immutable headers (a Response from fetch()): copy it once, then set.
      res = new Response(res.body, res);
      res.headers.set(name, collected[name] as string);
      c.res = res;
    }
  }
}
