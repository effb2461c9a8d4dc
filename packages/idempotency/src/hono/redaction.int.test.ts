import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreSetup, storeSetups } from "../../test/store-setups.js";
import { createTestApp, post } from "../../test/test-app.js";

interface Created {
  id: string;
  secret: string | null;
  owner: { id: string; token: string | null };
}

for (const [name, setup] of Object.entries(storeSetups)) {
  describe(`idempotency(): sensitive fields are never stored in clear: ${name}`, () => {
    let h: StoreSetup;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h.cleanup());

    for (const replayCache of [false, true]) {
      it(`the first answer carries the secret; the store holds none of it; a replay (${replayCache ? "from the cache" : "from the store"}) answers null with Idempotent-Redacted`, async () => {
        const { app, runs } = createTestApp({
          store: h.store,
          ...(replayCache ? {} : { replayCache: false }),
        });
        const key = randomUUID();
        const first = await app.request("/v1/keys", post(key, { name: "ci" }));
        expect(first.status).toBe(201);
        const created = (await first.json()) as Created;
        expect(created.secret).toMatch(/^sk_test_/);
        expect(first.headers.get("idempotent-redacted")).toBeNull();

        const stored = (await h.storedText?.()) ?? "";
        const secret = (created.secret ?? "").slice("sk_test_".length);
        if (h.storedText) expect(stored).toMatch(/secret\\?":null/);
        expect(stored).not.toContain(secret);

        const replay = await app.request("/v1/keys", post(key, { name: "ci" }));
        expect(replay.status).toBe(201);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect(replay.headers.get("idempotent-redacted")).toBe('"/secret", "/owner/token"');
        expect(await replay.json()).toEqual({ ...created, secret: null, owner: { id: "u1", token: null } });
        expect(runs.keys).toBe(1);
      });
    }
  });
}
