/** The lock-renewal and complete-retry suite of the middleware, run against every store. */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { StoreHarness } from "../src/store.contract.js";
import { failingComplete } from "./failing-store.js";
import { createTestApp, post } from "./test-app.js";

/** Short enough that a handler outlives it twice in a few seconds; renewals come every LOCK_MS / 3. */
const LOCK_MS = 1_500;

export function describeLockRenewal(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`idempotency() lock renewal and complete retries: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h.cleanup());

    it("keeps the claim of a handler running twice the lock time: every retry meanwhile gets 409, the handler runs once", async () => {
      const { app, runs, gate } = createTestApp({ store: h.store, lockTtlMs: LOCK_MS, replayCache: false });
      let open = () => {};
      gate.wait = new Promise((resolve) => {
        open = resolve;
      });
      const key = randomUUID();
      const first = app.request("/v1/things", post(key));
      await vi.waitFor(() => expect(runs.things).toBe(1), { timeout: 30_000 });

      const started = Date.now();
      const statuses: number[] = [];
      // Retries keep coming, 5 at a time, until the handler has run for more than twice the lock.
      while (Date.now() - started < 2 * LOCK_MS + 500) {
        const batch = await Promise.all(
          Array.from({ length: 5 }, () => app.request("/v1/things", post(key))),
        );
        statuses.push(...batch.map((r) => r.status));
        await sleep(100);
      }
      expect(runs.things).toBe(1);
      expect(new Set(statuses)).toEqual(new Set([409]));

      open();
      const answer = await first;
      expect(answer.status).toBe(201);
      const replay = await app.request("/v1/things", post(key));
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(await replay.text()).toBe(await answer.text());
      expect(runs.things).toBe(1);
    }, 60_000);

    it("retries a failing complete with backoff: concurrent and later retries never run the handler again", async () => {
      const retries: (Response | Promise<Response>)[] = [];
      const errors: string[] = [];
      let send = (_n: number) => {};
      const store = failingComplete(h.store, 3, (attempt) => send(attempt));
      const { app, runs } = createTestApp({
        store,
        lockTtlMs: LOCK_MS,
        replayCache: false,
        onStoreError: (_error, phase) => errors.push(phase),
      });
      const key = randomUUID();
      // While completions fail, retries arrive: they must wait (409), never run the handler.
      send = () => {
        for (let i = 0; i < 10; i++) retries.push(app.request("/v1/things", post(key)));
      };
      const first = await app.request("/v1/things", post(key));
      expect(first.status).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(store.completeCalls).toBe(4);
      // Only the completions are failed on purpose; on a loaded machine a lock renewal may also report.
      expect(errors.filter((phase) => phase === "complete")).toEqual(["complete", "complete", "complete"]);

      const during = await Promise.all(retries);
      const body = await first.text();
      for (const r of during) {
        expect([201, 409]).toContain(r.status);
        if (r.status === 201) expect(await r.text()).toBe(body);
      }
      const after = await Promise.all(Array.from({ length: 20 }, () => app.request("/v1/things", post(key))));
      for (const r of after) {
        expect(r.status).toBe(201);
        expect(r.headers.get("idempotent-replayed")).toBe("true");
        expect(await r.text()).toBe(body);
      }
      expect(runs.things).toBe(1);
    }, 60_000);
  });
}
