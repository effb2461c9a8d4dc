/** The concurrency suite of the middleware, run against every store (memory, Postgres, Redis). */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreHarness } from "../src/store.contract.js";
import { createTestApp, post } from "./test-app.js";

export function describeConcurrency(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`idempotency() under concurrency: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h.cleanup());

    it("runs the handler once for 50 concurrent identical requests; the rest replay or get 409", async () => {
      // No in-memory replay cache: every request must go through the store.
      const { app, runs } = createTestApp({ store: h.store, replayCache: false });
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => app.request("/v1/things", post(key))),
      );
      expect(runs.things).toBe(1);
      const created = responses.filter((r) => r.status === 201);
      const conflicts = responses.filter((r) => r.status === 409);
      expect(created.length + conflicts.length).toBe(50);
      expect(created.filter((r) => r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
      const bodies = new Set(await Promise.all(created.map((r) => r.text())));
      expect(bodies.size).toBe(1);
      for (const r of conflicts) expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
      const after = await app.request("/v1/things", post(key));
      expect(after.headers.get("idempotent-replayed")).toBe("true");
      expect(runs.things).toBe(1);
    });

    it("runs once when concurrent requests share a key but differ in body", async () => {
      const { app, runs } = createTestApp({ store: h.store, replayCache: false });
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => app.request("/v1/things", post(key, { amount: i }))),
      );
      expect(runs.things).toBe(1);
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.every((s) => s === 201 || s === 409 || s === 422)).toBe(true);
    });

    it("replays byte for byte through the store with the allowed headers", async () => {
      const { app, runs } = createTestApp({ store: h.store, replayCache: false });
      const key = randomUUID();
      const first = await app.request("/v1/things", post(key, { note: "caf\u00e9 \u2603" }));
      const firstBytes = new Uint8Array(await first.arrayBuffer());
      const replay = await app.request("/v1/things", post(key, { note: "caf\u00e9 \u2603" }));
      expect(replay.status).toBe(201);
      expect(new Uint8Array(await replay.arrayBuffer())).toEqual(firstBytes);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.headers.get("location")).toBe(first.headers.get("location"));
      expect(replay.headers.get("etag")).toBe(first.headers.get("etag"));
      expect(replay.headers.get("content-type")).toBe(first.headers.get("content-type"));
      expect(replay.headers.get("set-cookie")).toBeNull();
      expect(runs.things).toBe(1);
    });

    it("replays before the retention ends and runs afresh after (injected clock)", async () => {
      let now = Date.now();
      const { app, runs } = createTestApp({ store: h.store, clock: () => now, retentionMs: 120_000 });
      const key = randomUUID();
      await app.request("/v1/things", post(key));
      now += 119_999;
      expect((await app.request("/v1/things", post(key))).headers.get("idempotent-replayed")).toBe("true");
      now += 1;
      expect((await app.request("/v1/things", post(key))).headers.get("idempotent-replayed")).toBeNull();
      expect(runs.things).toBe(2);
    });
  });
}
