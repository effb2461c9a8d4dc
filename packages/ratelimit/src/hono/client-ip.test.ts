import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientIpKey } from "./client-ip.js";

async function keyFor(
  peer: string | undefined,
  xff?: string,
  trustedProxies = ["10.0.0.0/8", "2001:db8::1"],
) {
  const app = new Hono();
  const key = clientIpKey({ remoteAddress: () => peer, trustedProxies });
  app.get("/", (c) => c.text(String(key(c))));
  const res = await app.request("/", { headers: xff ? { "x-forwarded-for": xff } : {} });
  return res.text();
}

describe("clientIpKey", () => {
  it("uses the peer when it is not a trusted proxy, whatever X-Forwarded-For says", async () => {
    expect(await keyFor("203.0.113.9", "1.2.3.4")).toBe("ip:203.0.113.9");
  });

  it("reads X-Forwarded-For from the right through trusted proxies only", async () => {
    expect(await keyFor("10.1.2.3", "198.51.100.7")).toBe("ip:198.51.100.7");
    // The client forged "6.6.6.6" on the left; the first untrusted hop from the right is the client.
    expect(await keyFor("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9")).toBe("ip:198.51.100.7");
    expect(await keyFor("::ffff:10.0.0.5", "198.51.100.8")).toBe("ip:198.51.100.8");
    expect(await keyFor("2001:db8::1", "2001:db8::99")).toBe("ip:2001:db8:0:0::/64");
  });

  it("falls back to the peer when a trusted proxy sent no header, and skips unknown peers", async () => {
    expect(await keyFor("10.1.2.3")).toBe("ip:10.1.2.3");
    expect(await keyFor(undefined)).toBe("undefined");
  });

  it("trusts IPv6 proxy blocks and keys an IPv6 client by its /64 (rotating the low bits gains nothing)", async () => {
    const proxies = ["fd00::/8", "10.0.0.0/8"];
    const a = await keyFor("fd12::7", "2001:db8:1:2:aaaa::1", proxies);
    const b = await keyFor("fd12::8", "2001:db8:1:2:ffff:1:2:3, fd34::1", proxies);
    expect(a).toBe("ip:2001:db8:1:2::/64");
    expect(b).toBe(a);
    expect(await keyFor("fd12::7", "2001:db8:1:3::1", proxies)).toBe("ip:2001:db8:1:3::/64");
    // An untrusted IPv6 peer is the client, whatever it forwards.
    expect(await keyFor("2001:db8:9:9::5", "198.51.100.1", proxies)).toBe("ip:2001:db8:9:9::/64");
    // IPv4-mapped peers match IPv4 blocks.
    expect(await keyFor("::ffff:10.0.0.5", "198.51.100.8", proxies)).toBe("ip:198.51.100.8");
  });

  it("refuses a malformed CIDR block at creation", () => {
    expect(() => clientIpKey({ remoteAddress: () => undefined, trustedProxies: ["10.0.0.0/40"] })).toThrow(
      /CIDR/,
    );
  });
});
