import { describe, expect, it } from "vitest";
import { tenantView, tenantViewJson } from "./tenants.js";

const row = () => ({
  id: "ten_1",
  slug: "acme",
  name: "Acme",
  email: "ops@acme.test",
  status: "active" as const,
  plan: "free",
  createdAt: new Date("2026-01-01T00:00:00Z"),
  updatedAt: new Date("2026-01-02T00:00:00Z"),
  stripeCustomerId: "cus_secret",
});

describe("tenantView", () => {
  it("shows the row without Stripe ids, dates in ISO 8601", () => {
    expect(tenantView(row())).toEqual({
      id: "ten_1",
      slug: "acme",
      name: "Acme",
      email: "ops@acme.test",
      status: "active",
      plan: "free",
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-02T00:00:00.000Z",
    });
  });

  it("reuses the view of an unchanged row and follows a row changed in place", () => {
    const r = row();
    const first = tenantView(r);
    expect(tenantView(r)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    r.plan = "pro";
    expect(tenantView(r).plan).toBe("pro");
    r.updatedAt = new Date("2026-02-01T00:00:00Z");
    expect(tenantView(r).updatedAt).toBe("2026-02-01T00:00:00.000Z");
    expect(first.plan).toBe("free");
  });

  it("serialises a view once, and follows the row when it changes", () => {
    const r = row();
    const json = tenantViewJson(r);
    expect(JSON.parse(json)).toEqual(tenantView(r));
    expect(json).toBe(JSON.stringify(tenantView(r)));
    expect(json).not.toContain("cus_secret");
    r.name = 'Acme "Two"';
    expect(JSON.parse(tenantViewJson(r)).name).toBe('Acme "Two"');
    expect(JSON.parse(json).name).toBe("Acme");
  });
});
