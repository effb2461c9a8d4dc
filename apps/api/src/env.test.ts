import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.js";

describe("parseEnv", () => {
  it("runs on embedded defaults with no configuration", () => {
    expect(parseEnv({})).toMatchObject({ PORT: 3000, DATA_DIR: ".data", LOG_LEVEL: "info" });
    expect(parseEnv({}).DATABASE_URL).toBeUndefined();
  });

  it("lists every problem in one clear error", () => {
    let caught: unknown;
    try {
      parseEnv({ PORT: "http", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issues = (caught as ConfigError).issues;
    expect(issues.map((i) => i.split(":")[0]).sort()).toEqual(["DATABASE_URL", "LOG_LEVEL", "PORT"]);
  });
});
