/** Two app processes sharing Postgres and Redis: a change made through one is enforced by the other. */
import { newId, tenants } from "@org/db";
import { createTestDb, createTestRedis, redisAvailable, type TestDb, type TestRedis } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyService, createLocalBus } from "../src/index.js";
import { ADMIN_TOKEN } from "./fixture.js";
import { type Node, startNode } from "./nodes.js";

let t: TestDb;
let r: TestRedis;
let nodes: Node[] = [];
let tenantId: string;
let secret: string;

beforeAll(async () => {
  await redisAvailable();
  t = await createTestDb({ driver: "postgres" });
  r = createTestRedis();
  tenantId = newId("tenant");
  await t.db
    .insert(tenants)
    .values({ id: tenantId, slug: "xnode", name: "x", email: "x@x.test", plan: "free", status: "active" });
  secret = (
    await createApiKeyService({ db: t.db, bus: createLocalBus() }).create(tenantId, { name: "k" }, "test")
  ).secret;
  const env = { DATABASE_URL: t.url!, REDIS_URL: r.url, CHANNEL: `${r.prefix}mt:invalidate`, ADMIN_TOKEN };
  nodes = await Promise.all([startNode(env), startNode(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await r.cleanup();
  await t.cleanup();
});

const auth = () => ({ Authorization: `Bearer ${secret}` });

/** Polls until `ok` (bounded so a broken invalidation fails instead of hanging). */
async function until(check: () => Promise<boolean>, limitMs = 5_000) {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
  }
  throw new Error(`not reached within ${limitMs} ms`);
}

describe("two nodes sharing Redis", () => {
  it("a tenant suspended through node A is refused by node B, whose cache (TTL 5 min) held it as active", async () => {
    const [a, b] = nodes as [Node, Node];
    expect((await b.request("GET", "http://x/v1/tenant", auth())).status).toBe(200);
    const warm = await b.request("GET", "http://x/v1/tenant", auth());
    expect(warm.status).toBe(200);
    const loadsBefore = warm.loads;
    const patch = await a.request(
      "PATCH",
      `http://x/admin/tenants/${tenantId}`,
      { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      { status: "suspended" },
    );
    expect(patch.status).toBe(200);
    // Only the pub/sub invalidation can make B reload before its 5-minute TTL.
    const ms = await until(async () => (await b.request("GET", "http://x/v1/tenant", auth())).status === 403);
    const after = await b.request("GET", "http://x/v1/tenant", auth());
    expect(after.status).toBe(403);
    expect(after.loads).toBeGreaterThan(loadsBefore);
    console.info(`node B refused the suspended tenant ${ms.toFixed(1)} ms after node A's PATCH returned`);

    await a.request(
      "PATCH",
      `http://x/admin/tenants/${tenantId}`,
      { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      { status: "active" },
    );
    await until(async () => (await b.request("GET", "http://x/v1/tenant", auth())).status === 200);
  });

  it("a key revoked through node A is refused by node B", async () => {
    const [a, b] = nodes as [Node, Node];
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const extra = await keys.create(tenantId, { name: "to-revoke" }, "test");
    const bearer = { Authorization: `Bearer ${extra.secret}` };
    expect((await b.request("GET", "http://x/v1/tenant", bearer)).status).toBe(200);
    expect((await a.request("DELETE", `http://x/v1/api-keys/${extra.id}`, auth())).status).toBe(204);
    await until(async () => (await b.request("GET", "http://x/v1/tenant", bearer)).status === 401);
    expect((await b.request("GET", "http://x/v1/tenant", bearer)).status).toBe(401);
    expect((await b.request("GET", "http://x/v1/tenant", auth())).status).toBe(200);
  });
});
