/** @module The fake's Hono app: Stripe's wire conventions around the resource routes. */
import type { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { Core } from "./core.js";
import { StripeFakeError } from "./errors.js";
import { parseForm } from "./form.js";
import type { FakeEnv } from "./http-env.js";
import { newStripeId } from "./ids.js";
import { registerCatalog } from "./routes/catalog.js";
import { registerCustomers } from "./routes/customers.js";
import { registerInvoices } from "./routes/invoices.js";
import { registerMetersAndEvents } from "./routes/meters-events.js";
import { registerPayments } from "./routes/payments.js";
import { registerSubscriptions } from "./routes/subscriptions.js";
import { registerTestClocks } from "./routes/test-clocks.js";

const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const KEY_PATTERN = /^(sk|rk)_(test|live)_\S+$/;

const keyFrom = (header: string | undefined): string | undefined => {
  if (!header) return undefined;
  if (header.startsWith("Bearer ")) return header.slice(7).trim();
  if (header.startsWith("Basic "))
    return Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
  return undefined;
};

/**
 * Request id, `Stripe-Version`, API key check and parameter decoding for every `/v1` request.
 *
 * @example
 * app.use("/v1/*", stripeRequest({ apiVersion: "2026-10-28.endive" }));
 */
export const stripeRequest = (options: { apiVersion: string; apiKey?: string }) =>
  createMiddleware<FakeEnv>(async function stripeRequest(c, next) {
    const requestId = newStripeId("req");
    c.set("requestId", requestId);
    c.header("Request-Id", requestId);
    const version = c.req.header("stripe-version");
    if (version !== undefined && !VERSION_PATTERN.test(version)) {
      throw new StripeFakeError(400, "invalid_request_error", `Invalid Stripe API version: ${version}`, {
        code: "api_version_invalid",
      });
    }
    // Objects follow the SDK's pinned version; a request's own version is echoed as Stripe does.
    c.header("Stripe-Version", version ?? options.apiVersion);
    const key = keyFrom(c.req.header("authorization"));
    if (!key) {
      throw new StripeFakeError(
        401,
        "invalid_request_error",
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    if (!KEY_PATTERN.test(key) || (options.apiKey !== undefined && key !== options.apiKey)) {
      throw new StripeFakeError(
        401,
        "invalid_request_error",
        `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`,
        {
          code: "api_key_invalid" as string,
        },
      );
    }
    c.set("apiKey", key);
    const query = parseForm(new URL(c.req.url).search.slice(1));
    const body = c.req.method === "GET" ? {} : parseForm(await c.req.text());
    c.set("params", { ...query, ...body });
    await next();
  });

/**
 * Turn errors into Stripe's error JSON; unknown errors become `api_error` 500 with no internals.
 *
 * @example
 * app.onError(stripeErrorHandler);
 */
export function stripeErrorHandler(error: Error, c: import("hono").Context<FakeEnv>): Response {
  if (error instanceof StripeFakeError) {
    c.set("unsavedError", !error.saved);
    return c.json(error.body(), error.status as 400);
  }
  if (error instanceof HTTPException) return error.getResponse();
  console.error("stripe-fake: unexpected error", error);
  return c.json({ error: { type: "api_error", message: "An unknown error occurred." } }, 500);
}

/**
 * Mount every Stripe resource route on `app` (middleware is mounted by the caller).
 *
 * @example
 * registerStripeRoutes(app, core);
 */
export function registerStripeRoutes(app: Hono<FakeEnv>, core: Core): void {
  registerCustomers(app, core);
  registerCatalog(app, core);
  registerSubscriptions(app, core);
  registerInvoices(app, core);
  registerPayments(app, core);
  registerMetersAndEvents(app, core);
  registerTestClocks(app, core);
  app.all("/v1/*", (c) => {
    throw new StripeFakeError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (${c.req.method}: ${c.req.path}). stripe-fake does not implement this endpoint.`,
    );
  });
}
