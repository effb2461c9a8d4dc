import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { usageBuckets } from "@org/db";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb } from "@org/testing";
import { and, eq, sum } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const BASE = "example.test";

/** node:http, because fetch drops the Host header that names the tenant. */
function call(
  port: number,
  path: string,
  init: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: init.method ?? "GET",
        headers: { host: init.host ?? BASE, ...init.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

function startNode(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (process.env.DEBUG_NODES) process.stderr.write(chunk);
      const port = out.match(/"port":(\d+),"msg":"server.listening"/)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.once("exit", (code) => reject(new Error(`cloud-api exited ${code}: ${out.slice(-500)}`)));
  });
}

// Leases (RATE_LIMIT_LEASE_UNITS) move units to a node ahead of its requests: the shared bound must
// hold with them as without.
describe.each([0, 1024])(
  "two cloud-api processes on one Postgres and Redis, leases of %i units",
  (leaseUnits) => {
    let t: TestDb;
    let fake: StripeFake;
    const nodes: { child: ChildProcess; port: number }[] = [];
    beforeAll(async () => {
      t = await createTestDb();
      fake = createStripeFake({ webhookSecret: "whsec_two_nodes" });
      await fake.start(0);
      const env = {
        DATABASE_URL: t.url!,
        REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
        BASE_DOMAIN: BASE,
        STRIPE_SECRET_KEY: "sk_test_two_nodes",
        STRIPE_WEBHOOK_SECRET: "whsec_two_nodes",
        STRIPE_API_BASE: fake.url,
        // Its own Redis namespace: idempotency records of earlier runs must not answer this one.
        REDIS_KEY_PREFIX: `test-${randomUUID()}`,
        RATE_LIMIT_LEASE_UNITS: String(leaseUnits),
        // The shared bucket is under test, not the insurance limiter: on a loaded CI machine Redis may
        // take longer than the production default of 100 ms to answer.
        RATE_LIMIT_STORE_TIMEOUT_MS: "5000",
      };
      nodes.push(await startNode(env), await startNode(env));
    });
    afterAll(async () => {
      for (const node of nodes) node.child.kill("SIGKILL");
      await fake?.stop();
      await t?.cleanup();
    });

    it("share one rate limit and count every answered call exactly once", async () => {
      const [a, b] = nodes as [{ child: ChildProcess; port: number }, { child: ChildProcess; port: number }];
      const created = await call(a.port, "/v1/tenants", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "two-nodes-1" },
        body: JSON.stringify({ name: "Duo", slug: "duo", email: "o@duo.test", plan: "free" }),
      });
      expect(created.status).toBe(201);
      const { tenant, apiKey } = JSON.parse(created.body) as {
        tenant: { id: string };
        apiKey: { secret: string };
      };
      const headers = { authorization: `Bearer ${apiKey.secret}` };

      // The free plan: 10 req/s, burst 20. 80 requests at once, half through each node.
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          call(i % 2 ? a.port : b.port, "/v1/tenant", { host: `duo.${BASE}`, headers }),
        ),
      );
      const elapsedS = (Date.now() - started) / 1000;
      const ok = answers.filter((r) => r.status === 200).length;
      const limited = answers.filter((r) => r.status === 429).length;
      expect(ok + limited).toBe(80);
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThanOrEqual(20 + Math.ceil(10 * elapsedS));
      // Per-node limits would have admitted a burst of 20 on each node (about 40): the bound above
      // holds only because both nodes decide against the same bucket in Redis.

      // Graceful stop flushes each node's buffered counts: refused (429) calls are not counted.
      await Promise.all(
        nodes.map(
          (node) =>
            new Promise((resolve) => {
              node.child.once("exit", resolve);
              node.child.kill("SIGTERM");
            }),
        ),
      );
      const [row] = await t.db
        .select({ total: sum(usageBuckets.value) })
        .from(usageBuckets)
        .where(and(eq(usageBuckets.tenantId, tenant.id), eq(usageBuckets.meter, "api_calls")));
      expect(Number(row?.total ?? 0)).toBe(ok);
    });
  },
);
