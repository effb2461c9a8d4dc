/** @module Typed readers over decoded Stripe parameters, answering Stripe's validation errors. */
import type Stripe from "stripe";
import { invalidParam } from "./errors.js";
import type { Params, ParamValue } from "./form.js";

/**
 * An optional string parameter (`""` means "unset" in Stripe's encoding and reads as `null`).
 *
 * @example
 * str(params, "customer"); // "cus_123" | null | undefined
 */
export function str(params: Params, key: string): string | null | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidParam(key, `Invalid string: ${key}`);
  return value === "" ? null : value;
}

/**
 * A required string parameter.
 *
 * @example
 * const customer = requireStr(params, "customer");
 */
export function requireStr(params: Params, key: string): string {
  const value = str(params, key);
  if (!value) throw invalidParam(key, `Missing required param: ${key}.`, "parameter_missing");
  return value;
}

/**
 * An optional integer parameter (Stripe accepts digits as strings).
 *
 * @example
 * int(params, "unit_amount"); // 1500
 */
export function int(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string" || !/^-?\d+$/.test(value))
    throw invalidParam(key, `Invalid integer: ${String(value)}`);
  return Number(value);
}

/**
 * An optional boolean parameter (`true`/`false`).
 *
 * @example
 * bool(params, "cancel_at_period_end"); // true
 */
export function bool(params: Params, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === "") return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalidParam(key, `Invalid boolean: ${String(value)}`);
}

/**
 * An optional hash parameter.
 *
 * @example
 * obj(params, "recurring")?.interval;
 */
export function obj(params: Params, key: string): Params | undefined {
  const value = params[key];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidParam(key, `Invalid hash: ${key}`);
  return value;
}

/**
 * An optional array parameter (of hashes or strings).
 *
 * @example
 * arr(params, "items");
 */
export function arr(params: Params, key: string): ParamValue[] | undefined {
  const value = params[key];
  if (value === undefined || value === "") return undefined;
  if (!Array.isArray(value)) throw invalidParam(key, `Invalid array: ${key}`);
  return value;
}

/**
 * Merge a `metadata` parameter into existing metadata as Stripe does: keys set to `""` are removed,
 * `metadata=""` clears everything.
 *
 * @example
 * mergeMetadata({ a: "1" }, { metadata: { a: "", b: "2" } }); // { b: "2" }
 */
export function mergeMetadata(current: Record<string, string>, params: Params): Record<string, string> {
  const value = params.metadata;
  if (value === undefined) return current;
  if (value === "") return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidParam("metadata", "Invalid hash: metadata");
  const next = { ...current };
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw invalidParam(`metadata[${k}]`, "Metadata values must be strings.");
    if (v === "") delete next[k];
    else next[k] = v;
  }
  return next;
}

/**
 * The `expand` parameter as a list of dotted paths.
 *
 * @example
 * expandList({ expand: ["customer", "latest_invoice"] }); // ["customer", "latest_invoice"]
 */
export function expandList(params: Params): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === "string");
}

const ADDRESS_FIELDS = ["city", "country", "line1", "line2", "postal_code", "state"] as const;

/**
 * An optional address hash as Stripe returns it: every field present, unset ones `null`
 * (`""` unsets the whole address and reads as `null`).
 *
 * @example
 * address(params, "address"); // { city: "Paris", country: "FR", line1: null, ... }
 */
export function address(params: Params, key: string): Stripe.Address | null | undefined {
  if (params[key] === "") return null;
  const hash = obj(params, key);
  if (!hash) return undefined;
  const out: Stripe.Address = {
    city: null,
    country: null,
    line1: null,
    line2: null,
    postal_code: null,
    state: null,
  };
  for (const field of ADDRESS_FIELDS) out[field] = str(hash, field) ?? null;
  return out;
}

/**
 * An optional list of strings (`preferred_locales`, `payment_method_types`); `""` empties it.
 *
 * @example
 * strings(params, "preferred_locales"); // ["fr", "en"]
 */
export function strings(params: Params, key: string): string[] | undefined {
  if (params[key] === "") return [];
  const list = arr(params, key);
  if (!list) return undefined;
  return list.map((value, index) => {
    if (typeof value !== "string") throw invalidParam(`${key}[${index}]`, `Invalid string: ${key}[${index}]`);
    return value;
  });
}
