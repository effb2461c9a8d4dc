import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.js";

const valid = {
  DATABASE_URL: "postgres://x@127.0.0.1/db",
  STRIPE_WEBHOOK_SECRET: "whsec_a, whsec_b",
  STRIPE_SECRET_KEY: "sk_test_1",
};

describe("parseEnv", () => {
  it("parses the secrets list of a rotation", () => {
    expect(parseEnv(valid)).toMatchObject({
      PORT: 3002,
      STRIPE_WEBHOOK_SECRET: ["whsec_a", "whsec_b"],
      WEBHOOK_WORKER_MODE: "all",
      WORKER_RETRY_WINDOW_MS: 72 * 3_600_000,
    });
  });
  it("refuses to start without the database, the webhook secret, or a long enough admin token", () => {
    try {
      parseEnv({ ADMIN_TOKEN: "short" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const fields = (error as ConfigError).issues.map((i) => i.split(":")[0]);
      expect(fields).toEqual(
        expect.arrayContaining(["DATABASE_URL", "STRIPE_WEBHOOK_SECRET", "ADMIN_TOKEN"]),
      );
    }
  });
  it("needs the Stripe key to process, not for intake only", () => {
    const { STRIPE_SECRET_KEY: _, ...noKey } = valid;
    expect(() => parseEnv(noKey)).toThrow(/STRIPE_SECRET_KEY/);
    expect(parseEnv({ ...noKey, WEBHOOK_WORKER_MODE: "intake" }).WEBHOOK_WORKER_MODE).toBe("intake");
  });
  it("wants a signing secret with the notifications webhook URL", () => {
    expect(() =>
      parseEnv({ ...valid, NOTIFICATIONS_WEBHOOK_URL: "https://hooks.example.com/billing" }),
    ).toThrow(/NOTIFICATIONS_WEBHOOK_SECRET/);
    expect(parseEnv(valid)).toMatchObject({ NOTIFICATIONS_INTERVAL_MS: 5_000 });
  });
});
