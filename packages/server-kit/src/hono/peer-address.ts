/** @module nodePeerAddress(): the address of the connection's peer on @hono/node-server. */
import type { Context } from "hono";

/**
 * The remote address of the socket a request came in on (Node), or undefined elsewhere (e.g. a
 * request made in-process with `app.request()`, or another runtime).
 *
 * @example
 * clientIpKey({ remoteAddress: nodePeerAddress, trustedProxies: ["10.0.0.0/8"] });
 */
export const nodePeerAddress = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
    ?.remoteAddress;
