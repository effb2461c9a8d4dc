import { describe, expect, it } from "vitest";
import { normaliseEmail } from "./trial-claims.js";

describe("normaliseEmail", () => {
  it("trims, lower-cases and drops the +tag of the local part", () => {
    expect(normaliseEmail(" Ann+trial@Acme.TEST ")).toBe("ann@acme.test");
    expect(normaliseEmail("ann@acme.test")).toBe("ann@acme.test");
  });

  it("keeps dots, and a local part that starts with + or a + in the domain", () => {
    expect(normaliseEmail("a.n.n@acme.test")).toBe("a.n.n@acme.test");
    expect(normaliseEmail("+ann@acme.test")).toBe("+ann@acme.test");
    expect(normaliseEmail("ann@a+b.test")).toBe("ann@a+b.test");
  });
});
