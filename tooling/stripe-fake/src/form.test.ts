import { describe, expect, it } from "vitest";
import { parseForm } from "./form.js";

describe("parseForm", () => {
  it("decodes nested hashes, indexed arrays and [] arrays like Stripe", () => {
    const body = new URLSearchParams({
      "items[0][price]": "price_a",
      "items[0][quantity]": "2",
      "items[1][price]": "price_b",
      "recurring[interval]": "month",
      "metadata[0]": "kept as a key",
    }).toString();
    expect(parseForm(`${body}&expand[]=customer&expand[]=latest_invoice`)).toEqual({
      items: [{ price: "price_a", quantity: "2" }, { price: "price_b" }],
      recurring: { interval: "month" },
      metadata: { "0": "kept as a key" },
      expand: ["customer", "latest_invoice"],
    });
  });

  it("orders index keys numerically and keeps empty strings (Stripe's 'unset')", () => {
    expect(parseForm("phases[10][x]=b&phases[2][x]=a&description=")).toEqual({
      phases: [{ x: "a" }, { x: "b" }],
      description: "",
    });
  });
});
