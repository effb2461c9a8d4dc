import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestApp, post } from "../../test/test-app.js";
import { createMemoryStore } from "../memory-store.js";
import type { IdempotencyStore } from "../store.js";

const setup = (over: Parameters<typeof createTestApp>[0] = { store: createMemoryStore() }) =>
  createTestApp(over);

describe("idempotency(): keys", () => {
  it("answers 400 idempotency_key_invalid for a key over 255 characters or with bad characters", async () => {
    const { app, runs } = setup();
    for (const key of ["k".repeat(256), '"unterminated', "caf\u00e9"]) {
      const res = await app.request("/v1/things", post(key));
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ code: "idempotency_key_invalid" });
    }
    expect(runs.things).toBe(0);
  });

  it("treats the bare and the structured-field form as one key", async () => {
    const { app, runs } = setup();
    const first = await app.request("/v1/things", post("order-1"));
    const second = await app.request("/v1/things", post('"order-1"'));
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.text()).toBe(await first.text());
    expect(runs.things).toBe(1);
  });

  it("accepts an sf-string key with parameters (RFC 8941) as the same key", async () => {
    const { app, runs } = setup();
    const first = await app.request("/v1/things", post('"order-2";attempt=1'));
    expect(first.status).toBe(201);
    for (const key of ['"order-2";attempt=2', '"order-2"', "order-2"]) {
      const again = await app.request("/v1/things", post(key));
      expect(again.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(runs.things).toBe(1);
  });

  it("passes requests without a key through, unless the route requires one", async () => {
    const optional = setup();
    expect((await optional.app.request("/v1/things", post(undefined))).status).toBe(201);
    expect((await optional.app.request("/v1/things", post(undefined))).status).toBe(201);
    expect(optional.runs.things).toBe(2);

    const required = setup({ store: createMemoryStore(), required: true });
    const res = await required.app.request("/v1/things", post(undefined));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "idempotency_key_missing" });
    expect(required.runs.things).toBe(0);
  });

  it("ignores safe methods", async () => {
    const { app } = setup({ store: createMemoryStore(), required: true });
    const res = await app.request("/v1/things", { headers: { "Idempotency-Key": "k" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("idempotency(): replay", () => {
  it("replays status, body bytes and allow-listed headers, never Set-Cookie, without running the handler", async () => {
    const { app, runs } = setup();
    const first = await app.request("/v1/things", post("k1"));
    const firstBody = new Uint8Array(await first.arrayBuffer());
    const replay = await app.request("/v1/things", post("k1"));
    expect(replay.status).toBe(201);
    expect(new Uint8Array(await replay.arrayBuffer())).toEqual(firstBody);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    for (const h of ["content-type", "location", "etag"])
      expect(replay.headers.get(h)).toBe(first.headers.get(h));
    expect(first.headers.get("set-cookie")).toBe("session=secret");
    expect(replay.headers.get("set-cookie")).toBeNull();
    expect(replay.headers.get("x-internal")).toBeNull();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(runs.things).toBe(1);
    expect(runs.metered).toBe(1);
  });

  it("replays from the store too (no in-memory cache)", async () => {
    const { app, runs } = setup({ store: createMemoryStore(), replayCache: false });
    const first = await app.request("/v1/things", post("k1"));
    const replay = await app.request("/v1/things", post("k1"));
    expect(await replay.text()).toBe(await first.text());
    expect(runs.things).toBe(1);
  });

  it("replays with JSON members in another order", async () => {
    const { app, runs } = setup();
    await app.request("/v1/things", post("k", { a: 1, b: { c: 2, d: 3 } }));
    const res = await app.request("/v1/things", post("k", { b: { d: 3, c: 2 }, a: 1 }));
    expect(res.headers.get("idempotent-replayed")).toBe("true");
    expect(runs.things).toBe(1);
  });

  it("compares by fingerprint, not by bytes alone: same bytes under another content type is a mismatch", async () => {
    const { app, runs } = setup();
    await app.request("/v1/things", post("k", { amount: 1 }));
    const asText = await app.request(
      "/v1/things",
      post("k", { amount: 1 }, { "Content-Type": "text/plain" }),
    );
    expect(asText.status).toBe(422);
    expect(runs.things).toBe(1);
  });

  it("replays a 204 without a body", async () => {
    const { app, runs } = setup();
    expect(
      (await app.request("/v1/things/1", { method: "DELETE", headers: { "Idempotency-Key": "d" } })).status,
    ).toBe(204);
    const again = await app.request("/v1/things/1", {
      method: "DELETE",
      headers: { "Idempotency-Key": "d" },
    });
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(runs.empty).toBe(1);
  });

  it("keeps tenants apart: the same key in another tenant runs and never sees the first response", async () => {
    const { app, runs } = setup();
    const a = await app.request("/v1/things", post("shared", { amount: 1 }, { "x-tenant": "ten_a" }));
    const b = await app.request("/v1/things", post("shared", { amount: 1 }, { "x-tenant": "ten_b" }));
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(await b.text()).not.toBe(await a.text());
    expect(runs.things).toBe(2);
  });
});

describe("idempotency(): mismatch and in-flight", () => {
  it("answers 422 for the same key with another body, path or method", async () => {
    const { app, runs } = setup();
    await app.request("/v1/things", post("k", { amount: 1 }));
    const otherBody = await app.request("/v1/things", post("k", { amount: 2 }));
    expect(otherBody.status).toBe(422);
    expect(await otherBody.json()).toMatchObject({ code: "idempotency_key_mismatch" });
    expect((await app.request("/v1/invalid", post("k", { amount: 1 }))).status).toBe(422);
    expect((await app.request("/v1/things", { ...post("k", { amount: 1 }), method: "PUT" })).status).toBe(
      422,
    );
    expect(runs.things).toBe(1);
    expect(runs.invalid).toBe(0);
  });

  it("answers 409 with Retry-After while the first request runs, then replays", async () => {
    let open = () => {};
    const { app, runs, gate } = setup({ store: createMemoryStore(), lockTtlMs: 10_000 });
    gate.wait = new Promise<void>((resolve) => {
      open = resolve;
    });
    const first = app.request("/v1/things", post("k"));
    while (runs.things === 0) await new Promise((r) => setTimeout(r, 1));
    const second = await app.request("/v1/things", post("k"));
    expect(second.status).toBe(409);
    expect(second.headers.get("retry-after")).toBe("10");
    expect(await second.json()).toMatchObject({ code: "idempotency_key_in_use" });
    const differentBody = await app.request("/v1/things", post("k", { amount: 7 }));
    expect(differentBody.status).toBe(422);
    open();
    expect((await first).status).toBe(201);
    expect((await app.request("/v1/things", post("k"))).headers.get("idempotent-replayed")).toBe("true");
    expect(runs.things).toBe(1);
  });
});

describe("idempotency(): what is stored", () => {
  it("does not store a 4xx: a retry runs again", async () => {
    const { app, runs } = setup();
    expect((await app.request("/v1/invalid", post("k"))).status).toBe(400);
    expect((await app.request("/v1/invalid", post("k"))).status).toBe(400);
    expect(runs.invalid).toBe(2);
  });

  it("by default releases the key on a 5xx or a thrown error so the retry runs", async () => {
    const { app, runs } = setup();
    expect((await app.request("/v1/unavailable", post("k"))).status).toBe(503);
    const retry = await app.request("/v1/unavailable", post("k"));
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await retry.json()).toMatchObject({ attempt: 2 });
    expect((await app.request("/v1/boom", post("b"))).status).toBe(500);
    expect((await app.request("/v1/boom", post("b"))).status).toBe(500);
    expect(runs.boom).toBe(2);
  });

  it("with storeServerErrors, replays a returned 5xx like Stripe, but still releases on a thrown error", async () => {
    const { app, runs } = setup({ store: createMemoryStore(), storeServerErrors: true });
    const first = await app.request("/v1/unavailable", post("k"));
    const retry = await app.request("/v1/unavailable", post("k"));
    expect(retry.status).toBe(503);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await first.text());
    expect(runs.unavailable).toBe(1);
    await app.request("/v1/boom", post("b"));
    await app.request("/v1/boom", post("b"));
    expect(runs.boom).toBe(2);
  });

  it("fails closed with 503 when the store is unreachable, running nothing", async () => {
    const down: IdempotencyStore = {
      claim: () => Promise.reject(new Error("ECONNREFUSED")),
      complete: () => Promise.reject(new Error("ECONNREFUSED")),
      renew: () => Promise.reject(new Error("ECONNREFUSED")),
      release: () => Promise.reject(new Error("ECONNREFUSED")),
      sweep: () => Promise.reject(new Error("ECONNREFUSED")),
    };
    const errors: string[] = [];
    const { app, runs } = setup({ store: down, onStoreError: (_e, phase) => errors.push(phase) });
    const res = await app.request("/v1/things", post("k"));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "idempotency_store_unavailable" });
    expect(runs.things).toBe(0);
    expect(errors).toEqual(["claim"]);
  });
});

describe("idempotency(): expiry with an injected clock", () => {
  it("replays before the retention ends and runs afresh after", async () => {
    let now = Date.UTC(2026, 0, 1);
    const { app, runs } = setup({ store: createMemoryStore(), clock: () => now, retentionMs: 60_000 });
    await app.request("/v1/things", post("k"));
    now += 59_999;
    expect((await app.request("/v1/things", post("k"))).headers.get("idempotent-replayed")).toBe("true");
    now += 1;
    const fresh = await app.request("/v1/things", post("k"));
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect(runs.things).toBe(2);
  });

  it("refuses a lock shorter than nothing or a retention shorter than the lock", () => {
    expect(() => setup({ store: createMemoryStore(), lockTtlMs: 0 })).toThrow();
    expect(() => setup({ store: createMemoryStore(), lockTtlMs: 10, retentionMs: 5 })).toThrow();
  });

  it("keeps every key distinct", async () => {
    const { app, runs } = setup();
    await Promise.all(Array.from({ length: 20 }, () => app.request("/v1/things", post(randomUUID()))));
    expect(runs.things).toBe(20);
  });
});
