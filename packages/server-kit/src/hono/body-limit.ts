/** @module A body limit that costs nothing for requests without a body. */
import { problemResponse } from "@org/problem";
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { requestHeader } from "./headers.js";

/**
 * Refuses bodies over `maxBytes` with a problem 413. GET and HEAD (which cannot carry a body in the
 * Fetch API) and requests declaring `Content-Length: 0` skip the check: Hono's own limit reads the raw
 * request to look for a body, which on Node builds the whole web Request and costs more than a small
 * route. A declared Content-Length over the limit is refused before reading; any other body is
 * counted while read.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = (requestId: string | undefined) =>
    problemResponse("payload_too_large", { detail: `The body exceeds ${maxBytes} bytes.`, requestId });
  const streaming = honoBodyLimit({
    maxSize: maxBytes,
    onError: (c) => tooLarge((c.get as (k: string) => string | undefined)("requestId")),
  });
  return async function bodyLimit(c, next) {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = requestHeader(c, "content-length");
    const chunked = requestHeader(c, "transfer-encoding") !== undefined;
    if (length !== undefined && Number(length) > maxBytes) {
      return tooLarge((c.get as (k: string) => string | undefined)("requestId"));
    }
    // A declared length within the limit: the HTTP parser holds the sender to it, so there is
    // nothing to count (and Hono's limiter would first build a fetch Request to look at the body).
    if (length !== undefined && !chunked && /^\d+$/.test(length)) return next();
    return streaming(c, next);
  };
}
