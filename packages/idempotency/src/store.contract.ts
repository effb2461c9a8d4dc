/** @module The contract every IdempotencyStore passes: each store's test file runs it. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimInput, IdempotencyStore, StoredResponse } from "./store.js";

export interface StoreHarness {
  store: IdempotencyStore;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Whether `sweep` deletes rows itself (Redis relies on key TTLs and returns 0). */
  sweepDeletesRows: boolean;
}

const T0 = Date.UTC(2026, 0, 1);
const LOCK = 30_000;
const RETENTION = 86_400_000;

/** Non-UTF-8 bytes on purpose: the body must come back byte for byte. */
const response = (): StoredResponse => ({
  status: 201,
  headers: { "content-type": "application/octet-stream", location: "/v1/things/1" },
  body: new Uint8Array([0, 255, 128, 10, 34, 92, 200]),
});

/**
 * Runs the store contract against one implementation.
 *
 * @example
 * describeStoreContract("memory", async () => ({ store: createMemoryStore(), cleanup: async () => {} }));
 */
export function describeStoreContract(
  name: string,
  setup: () => Promise<StoreHarness>,
  options: ContractOptions,
): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h.cleanup());

    const input = (over: Partial<ClaimInput> = {}): ClaimInput => ({
      scope: "ten_a",
      key: randomUUID(),
      method: "POST",
      path: "/v1/things",
      fingerprint: "fp-1",
      ownerToken: randomUUID(),
      now: T0,
      lockTtlMs: LOCK,
      retentionMs: RETENTION,
      ...over,
    });

    it("claims a new key, then reports it in progress with its fingerprint and lock expiry", async () => {
      const first = input();
      expect(await h.store.claim(first)).toEqual({ kind: "claimed" });
      const second = await h.store.claim({
        ...first,
        ownerToken: randomUUID(),
        fingerprint: "fp-2",
        now: T0 + 5,
      });
      expect(second).toEqual({ kind: "in_progress", fingerprint: "fp-1", lockedUntil: T0 + LOCK });
    });

    it("grants exactly one of 50 concurrent claims of one key", async () => {
      const base = input();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => h.store.claim({ ...base, ownerToken: randomUUID() })),
      );
      expect(results.filter((r) => r.kind === "claimed")).toHaveLength(1);
      expect(results.filter((r) => r.kind === "in_progress")).toHaveLength(49);
    });

    it("completes 40 keys at once, each by its owner only, each with its own response", async () => {
      const claims = Array.from({ length: 40 }, () => input());
      for (const c of claims) expect((await h.store.claim(c)).kind).toBe("claimed");
      const own = (i: number): StoredResponse => ({
        status: 200 + i,
        headers: { location: `/v1/things/${i}` },
        body: new Uint8Array([i, 255 - i]),
      });
      // Strangers first, in the same tick as the owners: a batched store must check every row.
      const strangers = claims
        .slice(0, 10)
        .map((c) =>
          h.store.complete({ ...c, ownerToken: randomUUID(), response: own(99), retentionMs: RETENTION }),
        );
      const owners = claims.map((c, i) =>
        h.store.complete({ ...c, response: own(i), retentionMs: RETENTION }),
      );
      expect(await Promise.all(strangers)).toEqual(Array(10).fill(false));
      expect(await Promise.all(owners)).toEqual(Array(40).fill(true));
      for (const [i, c] of claims.entries()) {
        const again = await h.store.claim({ ...c, ownerToken: randomUUID(), now: T0 + 1 });
        expect(again.kind === "completed" && again.response).toEqual(own(i));
      }
    });

    it("stores the completed response and returns it byte for byte", async () => {
      const claim = input();
      await h.store.claim(claim);
      const stored = response();
      expect(
        await h.store.complete({ ...claim, response: stored, now: T0 + 10, retentionMs: RETENTION }),
      ).toBe(true);
      const again = await h.store.claim({ ...claim, ownerToken: randomUUID(), now: T0 + 20 });
      expect(again.kind).toBe("completed");
      if (again.kind !== "completed") return;
      expect(again.fingerprint).toBe("fp-1");
      expect(again.response.status).toBe(201);
      expect(again.response.headers).toEqual(stored.headers);
      expect(Array.from(again.response.body)).toEqual(Array.from(stored.body));
      expect(again.expiresAt).toBe(T0 + 10 + RETENTION);
    });

    it("lets only the owner complete or release, and never changes a completed record", async () => {
      const claim = input();
      await h.store.claim(claim);
      const stranger = { ...claim, ownerToken: randomUUID() };
      expect(await h.store.complete({ ...stranger, response: response(), retentionMs: RETENTION })).toBe(
        false,
      );
      expect(await h.store.release(stranger)).toBe(false);
      expect(await h.store.complete({ ...claim, response: response(), retentionMs: RETENTION })).toBe(true);
      expect(await h.store.release(claim)).toBe(false);
      expect(
        await h.store.complete({
          ...claim,
          response: { ...response(), status: 500 },
          retentionMs: RETENTION,
        }),
      ).toBe(false);
      const after = await h.store.claim({ ...claim, ownerToken: randomUUID() });
      expect(after.kind === "completed" && after.response.status).toBe(201);
    });

    it("frees a released key for the next attempt", async () => {
      const claim = input();
      await h.store.claim(claim);
      expect(await h.store.release(claim)).toBe(true);
      expect(await h.store.claim({ ...claim, ownerToken: randomUUID(), fingerprint: "fp-3" })).toEqual({
        kind: "claimed",
      });
    });

    it("hands a lapsed lock to a new attempt and refuses the stale holder afterwards", async () => {
      const stale = input();
      await h.store.claim(stale);
      const fresh = { ...stale, ownerToken: randomUUID(), now: T0 + LOCK - 1 };
      expect((await h.store.claim(fresh)).kind).toBe("in_progress");
      const later = { ...fresh, now: T0 + LOCK };
      expect(await h.store.claim(later)).toEqual({ kind: "claimed" });
      expect(await h.store.complete({ ...stale, response: response(), retentionMs: RETENTION })).toBe(false);
      expect(await h.store.release(stale)).toBe(false);
      expect(await h.store.complete({ ...later, response: response(), retentionMs: RETENTION })).toBe(true);
    });

    it("lets only the owner renew an in-progress claim, which then holds past its first lock", async () => {
      const claim = input();
      await h.store.claim(claim);
      const renewAt = T0 + LOCK - 1;
      expect(await h.store.renew({ ...claim, ownerToken: randomUUID(), now: renewAt })).toBe(false);
      expect(await h.store.renew({ ...claim, now: renewAt })).toBe(true);
      const retry = { ...claim, ownerToken: randomUUID(), now: T0 + LOCK + 5 };
      expect(await h.store.claim(retry)).toEqual({
        kind: "in_progress",
        fingerprint: "fp-1",
        lockedUntil: renewAt + LOCK,
      });
      expect(await h.store.complete({ ...claim, response: response(), retentionMs: RETENTION })).toBe(true);
      expect(await h.store.renew({ ...claim, now: renewAt })).toBe(false);
    });

    it("refuses to renew a claim that was released or taken over", async () => {
      const released = input();
      await h.store.claim(released);
      await h.store.release(released);
      expect(await h.store.renew(released)).toBe(false);
      const stale = input();
      await h.store.claim(stale);
      const fresh = { ...stale, ownerToken: randomUUID(), now: T0 + LOCK };
      expect(await h.store.claim(fresh)).toEqual({ kind: "claimed" });
      expect(await h.store.renew({ ...stale, now: T0 + LOCK })).toBe(false);
      expect(await h.store.renew({ ...fresh, now: T0 + LOCK + 1 })).toBe(true);
    });

    it("replays until the retention ends, then treats the key as new", async () => {
      const claim = input();
      await h.store.claim(claim);
      await h.store.complete({ ...claim, response: response(), retentionMs: RETENTION });
      const before = await h.store.claim({ ...claim, ownerToken: randomUUID(), now: T0 + RETENTION - 1 });
      expect(before.kind).toBe("completed");
      const after = await h.store.claim({ ...claim, ownerToken: randomUUID(), now: T0 + RETENTION });
      expect(after).toEqual({ kind: "claimed" });
    });

    it("keeps scopes apart: the same key in two scopes is two records", async () => {
      const key = randomUUID();
      expect(await h.store.claim(input({ key, scope: "ten_x" }))).toEqual({ kind: "claimed" });
      expect(await h.store.claim(input({ key, scope: "ten_y" }))).toEqual({ kind: "claimed" });
    });

    it("sweeps expired records in batches and keeps live ones", async () => {
      const sweepAt = T0 + 10 * RETENTION;
      const old = Array.from({ length: 5 }, () => input({ now: sweepAt - RETENTION - 1 }));
      for (const claim of old) {
        await h.store.claim(claim);
        await h.store.complete({ ...claim, response: response(), retentionMs: RETENTION });
      }
      const live = input({ now: sweepAt - 1 });
      await h.store.claim(live);
      let swept = 0;
      for (let round = 0; round < 20; round++) {
        const n = await h.store.sweep({ now: sweepAt, batchSize: 2 });
        expect(n).toBeLessThanOrEqual(2);
        swept += n;
        if (n === 0) break;
      }
      if (options.sweepDeletesRows) expect(swept).toBeGreaterThanOrEqual(5);
      for (const claim of old) {
        expect(await h.store.claim({ ...claim, ownerToken: randomUUID(), now: sweepAt })).toEqual({
          kind: "claimed",
        });
      }
      expect((await h.store.claim({ ...live, ownerToken: randomUUID(), now: sweepAt })).kind).toBe(
        "in_progress",
      );
    });
  });
}
