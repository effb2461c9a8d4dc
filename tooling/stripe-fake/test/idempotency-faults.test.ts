import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";

describe("idempotency and faults, as the stripe SDK sees them", () => {
  let fake: StripeFake;
  let stripe: Stripe;
  let noRetry: Stripe;

  beforeAll(async () => {
    fake = createStripeFake();
    await fake.start(0);
    stripe = new Stripe("sk_test_idem", { ...fake.stripeConfig(), maxNetworkRetries: 2 });
    noRetry = new Stripe("sk_test_idem", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
  });
  afterAll(() => fake.stop());

  const customersNamed = (name: string) => fake.store.all("customer").filter((c) => c.name === name);

  it("replays the stored response with Idempotent-Replayed: true and creates nothing twice", async () => {
    const first = await noRetry.customers.create({ name: "replay" }, { idempotencyKey: "key-replay" });
    const second = await noRetry.customers.create({ name: "replay" }, { idempotencyKey: "key-replay" });
    expect(second.id).toBe(first.id);
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(customersNamed("replay")).toHaveLength(1);
  });

  it("answers idempotency_error (400) when the key is reused with other parameters", async () => {
    await noRetry.customers.create({ name: "mismatch" }, { idempotencyKey: "key-mismatch" });
    const error = await noRetry.customers
      .create({ name: "mismatch-other" }, { idempotencyKey: "key-mismatch" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(400);
    expect(customersNamed("mismatch-other")).toHaveLength(0);
  });

  it("replays a card decline under the same key, but not a parameter error", async () => {
    const customer = await noRetry.customers.create({ name: "decline" });
    const attach = () =>
      noRetry.paymentMethods.attach(
        "pm_card_chargeDeclined",
        { customer: customer.id },
        { idempotencyKey: "key-decline" },
      );
    const first = await attach().catch((e: Stripe.errors.StripeError) => e);
    const again = (await attach().catch((e: Stripe.errors.StripeError) => e)) as Stripe.errors.StripeError;
    expect(first).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(again.headers?.["idempotent-replayed"]).toBe("true");

    const invalid = await noRetry.prices
      .create({ currency: "usd", product: "prod_pro" }, { idempotencyKey: "key-invalid" })
      .catch((e) => e);
    expect((invalid as Stripe.errors.StripeError).code).toBe("parameter_missing");
    const fixed = await noRetry.prices.create(
      { currency: "usd", product: "prod_pro", unit_amount: 100 },
      { idempotencyKey: "key-invalid" },
    );
    expect(fixed.unit_amount).toBe(100);
  });

  it("keeps keys 24 hours on the fake clock", async () => {
    await noRetry.customers.create({ name: "expiring" }, { idempotencyKey: "key-expiring" });
    fake.clock.advance("23h");
    const replay = await noRetry.customers.create({ name: "expiring" }, { idempotencyKey: "key-expiring" });
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    fake.clock.advance("2h");
    const fresh = await noRetry.customers.create({ name: "expiring" }, { idempotencyKey: "key-expiring" });
    expect(fresh.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(customersNamed("expiring")).toHaveLength(2);
  });

  it("drops the response after doing the work: the SDK's retry with the same key gets the replay", async () => {
    fake.faults.dropResponseNext(1, { path: "/v1/customers", method: "POST" });
    const customer = await stripe.customers.create({ name: "dropped" });
    expect(customer.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(customersNamed("dropped")).toHaveLength(1);
    expect(fake.faults.active()).toEqual([]);
  });

  it("when every response is lost the caller sees a connection error although the customer exists", async () => {
    // The SDK retries a closed connection once even with maxNetworkRetries: 0; drop that one too.
    fake.faults.dropResponseNext(2, { path: "/v1/customers" });
    const error = await noRetry.customers.create({ name: "lost" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(customersNamed("lost")).toHaveLength(1);
  });

  it("injected 500s do no work and are not stored, so the SDK's retries succeed", async () => {
    fake.faults.failNext(2, { path: "/v1/customers" });
    const customer = await stripe.customers.create({ name: "after-500s" });
    expect(customer.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(customersNamed("after-500s")).toHaveLength(1);
    fake.faults.failNext(1);
    const error = await noRetry.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(500);
  });

  it("saves a 500 raised inside the endpoint: the same key replays it, a new key runs again", async () => {
    fake.faults.failEndpointNext(1, { path: "/v1/customers", method: "POST", workDone: true });
    const create = (key: string) =>
      noRetry.customers.create({ name: "saved-500" }, { idempotencyKey: key }).catch((e: unknown) => e);
    const first = (await create("key-500")) as Stripe.errors.StripeError;
    expect(first).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(first.statusCode).toBe(500);
    const again = (await create("key-500")) as Stripe.errors.StripeError;
    expect(again.statusCode).toBe(500);
    expect(again.headers?.["idempotent-replayed"]).toBe("true");
    expect(again.headers?.["original-request"]).toBe(first.requestId);
    expect(customersNamed("saved-500")).toHaveLength(1);
    const fresh = await create("key-500-new");
    expect((fresh as Stripe.Customer).id).toMatch(/^cus_/);
    expect(customersNamed("saved-500")).toHaveLength(2);
  });

  it("the SDK's automatic retries of a saved 500 get it replayed, never a second attempt", async () => {
    fake.faults.failEndpointNext(1, { path: "/v1/customers", method: "POST" });
    const error = (await stripe.customers
      .create({ name: "retried-500" })
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(500);
    expect(error.headers?.["idempotent-replayed"]).toBe("true");
    expect(customersNamed("retried-500")).toHaveLength(0);
    expect(fake.faults.active()).toEqual([]);
  });

  it("answers 429 rate_limit for the next N matching requests only", async () => {
    fake.faults.rateLimitNext(1, { path: /^\/v1\/prices/ });
    const limited = await noRetry.prices.list().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect((await noRetry.prices.list()).object).toBe("list");
  });

  it("hangs past the client's timeout without doing the work", async () => {
    fake.faults.hangNext(1, { path: "/v1/customers", hangMs: 3000 });
    const impatient = new Stripe("sk_test_idem", {
      ...fake.stripeConfig(),
      timeout: 200,
      maxNetworkRetries: 0,
    });
    const error = await impatient.customers.create({ name: "hung" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((error as Error).message).toMatch(/timeout/i);
    fake.faults.releaseHangs();
    expect(customersNamed("hung")).toHaveLength(0);
  });

  it("many parallel requests with one key create exactly one object", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        stripe.customers.create({ name: "parallel" }, { idempotencyKey: "key-parallel" }),
      ),
    );
    const ids = new Set(results.flatMap((r) => (r.status === "fulfilled" ? [r.value.id] : [])));
    expect(ids.size).toBe(1);
    expect(customersNamed("parallel")).toHaveLength(1);
  });

  it("speaks Stripe's errors for bad keys, versions and unknown routes", async () => {
    const badKey = new Stripe("pk_test_wrong", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
    expect(await badKey.customers.list().catch((e: unknown) => e)).toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
    const res = await fetch(`${fake.url}/v1/customers`, {
      headers: { authorization: "Bearer sk_test_x", "stripe-version": "nope" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const pinned = await fetch(`${fake.url}/v1/customers`, {
      headers: { authorization: "Bearer sk_test_x", "stripe-version": "2024-06-20" },
    });
    expect(pinned.headers.get("stripe-version")).toBe("2024-06-20");
    const unknown = await noRetry.rawRequest("GET", "/v1/nothing_here").catch((e: unknown) => e);
    expect((unknown as Stripe.errors.StripeError).statusCode).toBe(404);
  });
});

describe("idempotency across processes", () => {
  it("several client processes racing on one key get one customer between them", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const run = promisify(execFile);
    const fake = createStripeFake();
    await fake.start(0);
    try {
      const script = new URL("./same-key-client.mjs", import.meta.url).pathname;
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () =>
          run(process.execPath, [script, String(fake.port), "key-cross-process", "5"]),
        ),
      );
      const ids = outputs.flatMap((o) => o.stdout.trim().split("\n"));
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(1);
      expect(fake.store.all("customer").filter((c) => c.name === "cross-process")).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });
});
