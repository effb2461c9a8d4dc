import { describe, expect, it } from "vitest";
import { compileQuery } from "./search.js";

const customer = { email: "Owner@Acme.test", created: 100, metadata: { tenant_id: "ten_x", plan: "pro" } };

describe("compileQuery", () => {
  it("matches metadata, exact and substring clauses joined by AND", () => {
    expect(compileQuery("metadata['tenant_id']:'ten_x'")(customer)).toBe(true);
    expect(compileQuery(`metadata["tenant_id"]:"ten_y"`)(customer)).toBe(false);
    expect(compileQuery("metadata['plan']:'pro' AND email~'acme'")(customer)).toBe(true);
    expect(compileQuery("metadata['plan']:'pro' AND -email~'acme'")(customer)).toBe(false);
  });

  it("supports OR, numeric comparisons and null", () => {
    expect(compileQuery("metadata['plan']:'free' OR created>50")(customer)).toBe(true);
    expect(compileQuery("created<=99")(customer)).toBe(false);
    expect(compileQuery("metadata['missing']:null")(customer)).toBe(true);
  });

  it("refuses what it cannot parse, and mixing AND with OR", () => {
    expect(() => compileQuery("tenant is ten_x")).toThrow(/Invalid search query/);
    expect(() => compileQuery("a:'1' AND b:'2' OR c:'3'")).toThrow(/AND and OR/);
  });
});
