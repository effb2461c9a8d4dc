/** @module clientIpKey(): the client's IP as a rate-limit key, trusting X-Forwarded-For only from known proxies. */
import { requestHeader } from "@org/problem";
import type { Context, Env } from "hono";

export interface ClientIpOptions<E extends Env = Env> {
  /**
   * The address of the peer that opened the connection, from the runtime (e.g. on Node with
   * `@hono/node-server`: `(c) => getConnInfo(c).remote.address`).
   */
  remoteAddress: (c: Context<E>) => string | undefined;
  /** Proxies whose X-Forwarded-For is believed: IPv4 or IPv6 addresses, or IPv4 CIDR blocks (`10.0.0.0/8`). */
  trustedProxies?: readonly string[];
  /** Prepended to the address, to keep IP keys apart from tenant keys (default `ip:`). */
  prefix?: string;
}

type Matcher = (ip: string) => boolean;

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    const b = Number(part);
    if (!/^\d{1,3}$/.test(part) || b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}

function matcherOf(entry: string): Matcher {
  const [base, bits] = entry.split("/");
  if (bits === undefined) {
    const exact = entry.toLowerCase();
    return (ip) => ip.toLowerCase() === exact;
  }
  const net = ipv4ToInt(base!);
  const prefix = Number(bits);
  if (net === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    throw new Error(`ratelimit: bad trusted proxy block ${JSON.stringify(entry)} (IPv4 CIDR only)`);
  const size = 2 ** (32 - prefix);
  const start = net - (net % size);
  return (ip) => {
    const n = ipv4ToInt(ip);
    return n !== undefined && n >= start && n < start + size;
  };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
const normalise = (ip: string): string => (ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip);

/**
 * A `key` function for {@link ratelimit} that limits by client IP. The connection's peer is the
 * client unless it is a trusted proxy; then X-Forwarded-For is read from the right, skipping trusted
 * proxies, and the first address not trusted is the client. Entries added by the client itself (on
 * the left) are never believed over a proxy's.
 *
 * @param options.remoteAddress - the connection's peer address, from the runtime
 * @param [options.trustedProxies=[]]
 * @param [options.prefix="ip:"]
 * @returns a key function; `undefined` (no limiting) when no address is known
 * @throws Error at creation on a malformed CIDR block
 * @example
 * import { getConnInfo } from "@hono/node-server/conninfo";
 * app.use(ratelimit({
 *   limiter,
 *   key: clientIpKey({ remoteAddress: (c) => getConnInfo(c).remote.address, trustedProxies: ["10.0.0.0/8"] }),
 * }));
 */
export const clientIpKey = <E extends Env = Env>(
  options: ClientIpOptions<E>,
): ((c: Context<E>) => string | undefined) => {
  const { remoteAddress, trustedProxies = [], prefix = "ip:" } = options;
  const matchers = trustedProxies.map(matcherOf);
  const trusted = (ip: string) => matchers.some((m) => m(ip));
  return function clientIpKey(c) {
    const peer = remoteAddress(c);
    if (peer === undefined) return undefined;
    let client = normalise(peer);
    if (trusted(client)) {
      const forwarded = requestHeader(c, "x-forwarded-for");
      const hops = forwarded ? forwarded.split(",") : [];
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = normalise(hops[i]!.trim());
        if (hop === "") continue;
        client = hop;
        if (!trusted(hop)) break;
      }
    }
    return prefix + client;
  };
};
