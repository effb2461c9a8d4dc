/** @module clientIpKey(): the client's IP as a rate-limit key, trusting X-Forwarded-For only from known proxies. */
import { requestHeader } from "@org/server-kit/hono";
import type { Context, Env } from "hono";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

export interface ClientIpOptions<E extends Env = Env> {
  /**
   * The address of the peer that opened the connection, from the runtime (e.g. on Node with
   * `@hono/node-server`: `(c) => getConnInfo(c).remote.address`).
   */
  remoteAddress: (c: Context<E>) => string | undefined;
  /**
   * Proxies whose X-Forwarded-For is believed: IPv4 or IPv6 addresses or CIDR blocks
   * (`10.0.0.0/8`, `fd00::/8`), or proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`).
   */
  trustedProxies?: readonly string[];
  /** Prepended to the address, to keep IP keys apart from tenant keys (default `ip:`). */
  prefix?: string;
}

/**
 * The key of an address: an IPv4 address as it is (an IPv4-mapped IPv6 one as IPv4), an IPv6
 * address as its /64, since one subscriber gets a whole /64 and could otherwise rotate through
 * 2^64 keys.
 */
function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const hextets = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${hextets.join(":")}::/64`;
}

/**
 * A `key` function for {@link ratelimit} that limits by client IP. The connection's peer is the
 * client unless it is a trusted proxy; then X-Forwarded-For is read from the right, skipping trusted
 * proxies, and the first address not trusted is the client (proxy-addr's rules). Entries added by
 * the client itself (on the left) are never believed over a proxy's. IPv6 clients are keyed by
 * their /64.
 *
 * @param options.remoteAddress - the connection's peer address, from the runtime
 * @param [options.trustedProxies=[]]
 * @param [options.prefix="ip:"]
 * @returns a key function; `undefined` (no limiting) when no address is known
 * @throws Error at creation on a malformed address or CIDR block
 * @example
 * import { getConnInfo } from "@hono/node-server/conninfo";
 * app.use(ratelimit({
 *   limiter,
 *   key: clientIpKey({ remoteAddress: (c) => getConnInfo(c).remote.address, trustedProxies: ["10.0.0.0/8", "fd00::/8"] }),
 * }));
 */
export const clientIpKey = <E extends Env = Env>(
  options: ClientIpOptions<E>,
): ((c: Context<E>) => string | undefined) => {
  const { remoteAddress, trustedProxies = [], prefix = "ip:" } = options;
  let trust: ReturnType<typeof proxyaddr.compile>;
  try {
    trust = proxyaddr.compile([...trustedProxies]);
  } catch (error) {
    throw new Error(`ratelimit: bad trusted proxy (address or CIDR block): ${(error as Error).message}`);
  }
  return function clientIpKey(c) {
    const peer = remoteAddress(c);
    if (peer === undefined) return undefined;
    const forwarded = requestHeader(c, "x-forwarded-for");
    // proxy-addr reads only these two fields of a Node request.
    const request = {
      socket: { remoteAddress: peer },
      headers: forwarded ? { "x-forwarded-for": forwarded } : {},
    };
    return prefix + addressKey(proxyaddr(request as never, trust));
  };
};
