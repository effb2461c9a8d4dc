/** @module Refusing parameters Stripe does not document, with Stripe's `parameter_unknown` error. */

import { GENERATED_ACCEPTED_PARAMS } from "./accepted-params.generated.js";
import { invalidParam, type StripeFakeError } from "./errors.js";
import type { Params, ParamValue } from "./form.js";

/** `true` accepts any value; a hash lists the keys it accepts (for arrays: each element's keys). */
export type ParamShape = true | { readonly [key: string]: ParamShape };

/** Endpoints of the fake that are not Stripe's public API, hence absent from the SDK's types. */
const FAKE_ONLY_ENDPOINTS: Record<string, ParamShape> = {
  "POST /v1/test_helpers/checkout/sessions/:id/complete": { payment_method: true, email: true, expand: true },
};

/**
 * Parameters of older API versions that the fake still honours (requests pinned to an older
 * `Stripe-Version`, e.g. the Stripe CLI's fixtures, send them); the SDK's types know only the newest.
 */
const LEGACY_PARAMS: Record<string, ParamShape> = {
  "POST /v1/subscription_schedules": { phases: { iterations: true } },
  "POST /v1/subscription_schedules/:id": { phases: { iterations: true } },
};

const merge = (a: ParamShape | undefined, b: ParamShape): ParamShape => {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out: Record<string, ParamShape> = { ...a };
  for (const [key, shape] of Object.entries(b)) out[key] = merge(a[key], shape);
  return out;
};

/** Every endpoint's accepted parameters, keyed `METHOD /route/:pattern`. */
export const ACCEPTED_PARAMS: Readonly<Record<string, ParamShape>> = Object.fromEntries(
  Object.entries({ ...GENERATED_ACCEPTED_PARAMS, ...FAKE_ONLY_ENDPOINTS }).map(([endpoint, shape]) => [
    endpoint,
    LEGACY_PARAMS[endpoint] ? merge(shape, LEGACY_PARAMS[endpoint]) : shape,
  ]),
);

const firstUnknown = (value: ParamValue, shape: ParamShape, name: string): string | undefined => {
  // A string where a hash is documented is Stripe's `""` (unset) or a scalar alternative (`trial_end=now`).
  if (shape === true || typeof value === "string") return undefined;
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) {
      const found = firstUnknown(element, shape, `${name}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = name ? `${name}[${key}]` : key;
    const known = shape[key];
    if (known === undefined) return path;
    const found = firstUnknown(child, known, path);
    if (found) return found;
  }
  return undefined;
};

/**
 * The error Stripe answers for the first parameter `endpoint` does not document, or undefined when
 * every parameter is known. Nested names are spelled as on the wire (`address[town]`, `items[0][foo]`).
 *
 * @param endpoint - `METHOD /route/:pattern`, e.g. `POST /v1/customers`
 * @throws Error when the endpoint has no declared parameters (a route added without its entry)
 * @example
 * unknownParamError("POST /v1/customers", { emali: "a@b.c" })?.init.param; // "emali"
 */
export function unknownParamError(endpoint: string, params: Params): StripeFakeError | undefined {
  const shape = ACCEPTED_PARAMS[endpoint];
  if (shape === undefined) throw new Error(`stripe-fake: no accepted parameters declared for ${endpoint}`);
  const unknown = firstUnknown(params, shape, "");
  if (unknown === undefined) return undefined;
  return invalidParam(unknown, `Received unknown parameter: ${unknown}`, "parameter_unknown");
}
