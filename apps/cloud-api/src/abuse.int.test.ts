import { ABUSE_POLICIES } from "@org/platform/hono";
import { type RunningServer, serveNode } from "@org/server-kit/hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudHarness, createCloudHarness, silent } from "../test/harness.js";

describe("cloud-api edge limits per client address (a real socket: the peer is 127.0.0.1)", () => {
  let h: CloudHarness;
  let server: RunningServer;
  let origin: string;

  beforeAll(async () => {
    h = await createCloudHarness();
    server = await serveNode({
      fetch: h.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: silent(),
      exit: false,
    });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.shutdown();
    await h?.close();
  });

  /** Statuses of `count` sequential requests; once one is 429, every later one must be too. */
  const statuses = async (count: number, request: (i: number) => Promise<Response>) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) {
      const res = await request(i);
      await res.arrayBuffer();
      seen.push(res.status);
    }
    return seen;
  };

  it("limits signups per client: the burst passes, then 429 rate_limited with Retry-After", async () => {
    const burst = ABUSE_POLICIES.signup.burst;
    const seen = await statuses(burst + 2, (i) =>
      fetch(`${origin}/v1/tenants`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": `abuse-signup-${i}` },
        body: JSON.stringify({ name: "x", slug: `bulk-${i}`, email: `o@bulk${i}.test`, plan: "free" }),
      }),
    );
    expect(seen.slice(0, burst).every((s) => s === 201)).toBe(true);
    expect(seen.slice(burst)).toEqual([429, 429]);
  });

  it("refuses a client probing keys once its failures exceed the burst, whatever it sends next", async () => {
    const burst = ABUSE_POLICIES.failedAuth.burst;
    const seen = await statuses(burst + 3, (i) =>
      fetch(`${origin}/v1/tenant`, {
        headers: { Authorization: `Bearer sk_${String(i).padStart(43, "p")}` },
      }),
    );
    expect(seen.slice(0, burst).every((s) => s === 401)).toBe(true);
    expect(seen.slice(burst)).toEqual([429, 429, 429]);
    const blocked = await fetch(`${origin}/v1/tenant`, { headers: { Authorization: "Bearer whatever" } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ code: "rate_limited" });
  });
});
