import { describe, expect, it } from "vitest";
import { createStripeFake } from "./stripe-fake.js";

const auth = { Authorization: "Bearer sk_test_latency" };

describe("the latency switch", () => {
  it("answers matching requests late but normally, and the others at once", async () => {
    const fake = createStripeFake();
    fake.latency.set({ ms: 150, path: "/v1/customers" });
    const slowStart = performance.now();
    const slow = await fake.app.request("/v1/customers", { headers: auth });
    const slowMs = performance.now() - slowStart;
    expect(slow.status).toBe(200);
    expect(slowMs).toBeGreaterThanOrEqual(145);
    expect(fake.latency.current()).toEqual({ ms: 150, path: "/v1/customers" });
    fake.latency.clear();
    expect(fake.latency.current()).toBeUndefined();
    expect((await fake.app.request("/v1/prices", { headers: auth })).status).toBe(200);
  });
});
