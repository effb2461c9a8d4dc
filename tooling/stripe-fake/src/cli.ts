#!/usr/bin/env node
/**
 * @module The stripe-fake command line, and the only file of the package that reads process.env.
 *
 *   stripe-fake start                      serve on PORT (default 12111)
 *   stripe-fake trigger <event|file.json>  run a Stripe CLI fixture against a running fake
 *   stripe-fake advance <duration>         move a running fake's test clock (e.g. 31d, 12h)
 */
import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { loadFixture, runFixture } from "./fixtures.js";
import { DEFAULT_PLANS, normalizePlans } from "./plans.js";
import { createStripeFake } from "./stripe-fake.js";

const env = process.env;
const port = Number(env.PORT ?? 12111);
const base = (env.STRIPE_API_BASE ?? `http://127.0.0.1:${port}`).replace(/\/$/, "");
const apiKey = env.STRIPE_SECRET_KEY ?? "sk_test_stripe_fake";

const usage = `usage:
  stripe-fake start                      serve the fake (PORT, STRIPE_FAKE_WEBHOOK_URLS, STRIPE_WEBHOOK_SECRET, PLANS_FILE)
  stripe-fake trigger <event|file.json>  run a Stripe CLI trigger fixture against STRIPE_API_BASE
  stripe-fake advance <duration>         advance the test clock of STRIPE_API_BASE (e.g. 31d, 12h, 90m)`;

async function start() {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid PORT: ${env.PORT}`);
  const webhookUrls = (env.STRIPE_FAKE_WEBHOOK_URLS ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  const plans = env.PLANS_FILE
    ? normalizePlans(JSON.parse(readFileSync(env.PLANS_FILE, "utf8")))
    : DEFAULT_PLANS;
  const fake = createStripeFake({
    webhookUrls,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? "whsec_stripe_fake",
    plans,
    hostname: env.HOST ?? "127.0.0.1",
    // Beside the apps an endpoint may start later than the fake: keep retrying for about 12 minutes.
    webhookRetryDelaysMs: [1000, 5000, 30_000, 120_000, 600_000],
  });
  const { url } = await fake.start(port);
  console.log(`stripe-fake listening on ${url}`);
  console.log(
    `  webhooks -> ${webhookUrls.length ? webhookUrls.join(", ") : "(none: set STRIPE_FAKE_WEBHOOK_URLS)"}`,
  );
  console.log(`  plans: ${plans.map((p) => p.id).join(", ")}; set STRIPE_API_BASE=${url} in the apps`);
  const shutdown = () => {
    fake.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

async function trigger(name: string | undefined) {
  if (!name) throw new Error("trigger needs an event name or a fixture file");
  const url = new URL(base);
  const stripe = new Stripe(apiKey, {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    protocol: url.protocol === "https:" ? "https" : "http",
  });
  const fixture = loadFixture(name);
  const run = await runFixture(stripe, fixture);
  for (const [call, response] of Object.entries(run.responses)) {
    console.log(`  ${call}: ${(response as { id?: string }).id ?? "(error as expected)"}`);
  }
  console.log(`Trigger succeeded: ${name}`);
}

async function advance(duration: string | undefined) {
  if (!duration) throw new Error("advance needs a duration, e.g. 31d");
  const res = await fetch(`${base}/_fake/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ duration: /^\d+$/.test(duration) ? Number(duration) : duration }),
  });
  const body = (await res.json()) as { now?: number; actions?: number; detail?: string };
  if (!res.ok) throw new Error(body.detail ?? `advance failed with ${res.status}`);
  console.log(
    `clock at ${new Date((body.now ?? 0) * 1000).toISOString()} (${body.actions} scheduled actions ran)`,
  );
}

const [command, arg] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = {
  start,
  trigger: () => trigger(arg),
  advance: () => advance(arg),
};
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(usage);
  process.exit(2);
}
run().catch((error: Error) => {
  console.error(`stripe-fake: ${error.message}`);
  process.exit(1);
});
