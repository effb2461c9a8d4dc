import { randomUUID } from "node:crypto";
import { idempotencyRowsText, redisText } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness } from "../test/harness.js";

const PREFIX = `test-secrets-${randomUUID().slice(0, 8)}`;

describe("cloud-api: API key secrets are never stored in clear by Idempotency-Key", () => {
  let h: CloudHarness;
  beforeAll(async () => {
    h = await createCloudHarness({ env: { REDIS_KEY_PREFIX: PREFIX } });
  });
  afterAll(() => h?.close());

  /** Neither the Postgres table nor any Redis key of this deployment holds the secret. */
  const expectNotStored = async (secret: string) => {
    expect(await idempotencyRowsText(h.deps.db)).not.toContain(secret);
    const redis = await redisText(h.deps.redis, `${PREFIX}:*`);
    expect(redis).toContain(":idem:");
    expect(redis).not.toContain(secret);
  };

  it("signup (POST /v1/tenants): the secret is shown once; a replay answers it as null with Idempotent-Redacted", async () => {
    const signup = () =>
      h.app.request(`http://${BASE}/v1/tenants`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": "signup-secret-1" },
        body: JSON.stringify({ name: "Vault", slug: "vault", email: "owner@vault.test", plan: "free" }),
      });
    const first = await signup();
    expect(first.status).toBe(201);
    const created = (await first.json()) as {
      tenant: { id: string };
      apiKey: { id: string; secret: string };
    };
    expect(created.apiKey.secret).toMatch(/^sk_/);
    await expectNotStored(created.apiKey.secret);

    const replay = await signup();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("idempotent-redacted")).toBe('"/apiKey/secret"');
    expect(await replay.json()).toEqual({ ...created, apiKey: { id: created.apiKey.id, secret: null } });
  });

  it("POST /v1/api-keys: the secret is shown once; a replay answers it as null with Idempotent-Redacted", async () => {
    const signedUp = await h.app.request(`http://${BASE}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "signup-secret-2" },
      body: JSON.stringify({ name: "Safe", slug: "safe", email: "owner@safe.test", plan: "free" }),
    });
    const owner = (await signedUp.json()) as { apiKey: { secret: string } };
    const createKey = () =>
      h.app.request(`http://safe.${BASE}/v1/api-keys`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${owner.apiKey.secret}`,
          "Content-Type": "application/json",
          "Idempotency-Key": '"ci-key";attempt=1',
        },
        body: JSON.stringify({ name: "ci" }),
      });
    const first = await createKey();
    expect(first.status).toBe(201);
    const key = (await first.json()) as { id: string; secret: string };
    expect(key.secret).toMatch(/^sk_/);
    await expectNotStored(key.secret);

    const replay = await createKey();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("idempotent-redacted")).toBe('"/secret"');
    expect(await replay.json()).toEqual({ ...key, secret: null });
    // The redacted replay is not a usable key; the live one is.
    const asNew = { Authorization: `Bearer ${key.secret}` };
    expect((await h.app.request(`http://safe.${BASE}/v1/tenant`, { headers: asNew })).status).toBe(200);
  });
});
