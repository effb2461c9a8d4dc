/** @module Stripe CLI trigger fixtures: load one and run its API calls through the SDK, as `stripe trigger` does. */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type Stripe from "stripe";

/** One API call of a fixture. `${name:path}` in path or params refers to an earlier response. */
export interface FixtureCall {
  name: string;
  path: string;
  method: "get" | "post" | "delete";
  params?: Record<string, unknown>;
  /** The call must fail with this Stripe error type (e.g. `card_error`). */
  expected_error_type?: string;
}

/** A Stripe CLI trigger fixture (`pkg/fixtures/triggers/*.json`). */
export interface Fixture {
  _meta: { template_version: number; aliases?: string[] };
  fixtures: FixtureCall[];
}

/** Responses of a run, by call name. */
export interface FixtureRun {
  responses: Record<string, unknown>;
}

/**
 * The folder of Stripe CLI fixtures shipped with this package (unchanged, Apache-2.0).
 *
 * @example
 * loadFixture("invoice.paid", BUNDLED_FIXTURES_DIR);
 */
export const BUNDLED_FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
/**
 * The fake's own triggers in the same format (flows the CLI has no fixture for).
 *
 * @example
 * loadFixture("checkout.session.completed", EXTRA_TRIGGERS_DIR);
 */
export const EXTRA_TRIGGERS_DIR = fileURLToPath(new URL("../triggers/", import.meta.url));

/**
 * Load a fixture by event name (from the bundled folders) or by file path.
 *
 * @throws Error when no such fixture exists
 * @example
 * const fixture = loadFixture("invoice.paid");
 */
export function loadFixture(nameOrPath: string, dir: string = BUNDLED_FIXTURES_DIR): Fixture {
  const candidates = [
    nameOrPath,
    `${dir}/${nameOrPath}`,
    `${dir}/${nameOrPath}.json`,
    `${EXTRA_TRIGGERS_DIR}/${nameOrPath}.json`,
  ];
  const file = candidates.find((c) => c.endsWith(".json") && existsSync(c));
  if (!file) throw new Error(`No fixture named ${nameOrPath} (looked in ${dir})`);
  return JSON.parse(readFileSync(file, "utf8")) as Fixture;
}

const lookup = (responses: Record<string, unknown>, ref: string): string => {
  const [name, path = "id"] = ref.split(":") as [string, string?];
  let value: unknown = responses[name];
  if (value === undefined) throw new Error(`Fixture reference to an unknown call: ${ref}`);
  for (const part of path.split(".")) value = (value as Record<string, unknown> | null)?.[part];
  if (value === undefined || value === null) throw new Error(`Fixture reference resolves to nothing: ${ref}`);
  return String(value);
};

const resolve = (value: unknown, responses: Record<string, unknown>): unknown => {
  if (typeof value === "string")
    return value.replace(/\$\{([^}]+)\}/g, (_, ref: string) => lookup(responses, ref));
  if (Array.isArray(value)) return value.map((v) => resolve(v, responses));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, responses)]));
  }
  return value;
};

/**
 * Run every call of a fixture in order through the SDK (`rawRequest`, so params are form-encoded
 * exactly as the SDK encodes them). A call with `expected_error_type` must fail with that type.
 *
 * @throws Error when a call fails unexpectedly or an expected error does not happen
 * @example
 * await runFixture(new Stripe("sk_test_x", fake.stripeConfig()), loadFixture("customer.created"));
 */
export async function runFixture(stripe: Stripe, fixture: Fixture): Promise<FixtureRun> {
  const responses: Record<string, unknown> = {};
  for (const call of fixture.fixtures) {
    const path = resolve(call.path, responses) as string;
    const params = call.params ? (resolve(call.params, responses) as Record<string, unknown>) : undefined;
    const method = call.method.toUpperCase();
    try {
      responses[call.name] = await stripe.rawRequest(method, path, method === "POST" ? params : undefined);
      if (call.expected_error_type) {
        throw new Error(`${call.name}: expected a ${call.expected_error_type}, the call succeeded`);
      }
    } catch (error) {
      const type = (error as { type?: string; rawType?: string }).rawType;
      if (!call.expected_error_type || type !== call.expected_error_type) {
        throw new Error(`${call.name} (${method} ${path}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      responses[call.name] = (error as { raw?: unknown }).raw ?? {};
    }
  }
  return { responses };
}
