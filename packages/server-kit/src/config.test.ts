import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiEnv, ConfigError, parseConfig, serviceEnv } from "./config.js";

const schema = z.object({ ...serviceEnv, ...apiEnv, PORT: z.coerce.number().int().default(3000) });

describe("parseConfig", () => {
  it("applies defaults and parses lists", () => {
    expect(parseConfig(schema, { CORS_ORIGINS: "https://a.test, https://b.test" })).toMatchObject({
      PORT: 3000,
      HOST: "0.0.0.0",
      LOG_LEVEL: "info",
      CORS_ORIGINS: ["https://a.test", "https://b.test"],
      MAX_BODY_BYTES: 1024 * 1024,
    });
  });

  it("takes rate-limit leases as a whole number of units, off by default", () => {
    expect(parseConfig(schema, {}).RATE_LIMIT_LEASE_UNITS).toBe(0);
    expect(parseConfig(schema, { RATE_LIMIT_LEASE_UNITS: "1024" }).RATE_LIMIT_LEASE_UNITS).toBe(1024);
    for (const bad of ["-1", "1.5", "many"])
      expect(() => parseConfig(schema, { RATE_LIMIT_LEASE_UNITS: bad })).toThrow(/RATE_LIMIT_LEASE_UNITS/);
  });

  it("names every bad variable in one error", () => {
    try {
      parseConfig(schema, { PORT: "http", JWT_SECRET: "short", ADMIN_TOKEN: "short", LOG_LEVEL: "loud" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const fields = (error as ConfigError).issues.map((i) => i.split(":")[0]).sort();
      expect(fields).toEqual(["ADMIN_TOKEN", "JWT_SECRET", "LOG_LEVEL", "PORT"]);
      expect((error as Error).message).toContain("JWT_SECRET must be at least 32 characters");
    }
  });
});
