/** @module Stripe list objects: `limit`, `starting_after`, `ending_before`, `has_more`. */
import { invalidParam } from "./errors.js";
import type { Params } from "./form.js";
import { int, str } from "./params.js";
import type { FakeList } from "./types.js";

/**
 * One page of `items` (already filtered, newest first) as Stripe's list object.
 *
 * @example
 * paginate(store.all("customer"), { limit: "2", starting_after: "cus_1" }, "/v1/customers");
 */
export function paginate<T extends { id?: string }>(items: T[], params: Params, url: string): FakeList<T> {
  const limit = int(params, "limit") ?? 10;
  if (limit < 1 || limit > 100)
    throw invalidParam("limit", "Invalid integer: limit must be between 1 and 100.");
  const after = str(params, "starting_after");
  const before = str(params, "ending_before");
  let window = items;
  if (after) {
    const index = items.findIndex((i) => i.id === after);
    if (index === -1) throw invalidParam("starting_after", `No such object: '${after}'`, "resource_missing");
    window = items.slice(index + 1);
    const data = window.slice(0, limit);
    return { object: "list", data, has_more: window.length > limit, url };
  }
  if (before) {
    const index = items.findIndex((i) => i.id === before);
    if (index === -1) throw invalidParam("ending_before", `No such object: '${before}'`, "resource_missing");
    window = items.slice(0, index);
    const data = window.slice(Math.max(0, window.length - limit));
    return { object: "list", data, has_more: window.length > limit, url };
  }
  return { object: "list", data: window.slice(0, limit), has_more: window.length > limit, url };
}

/**
 * Keep items whose `created` matches `created[gt|gte|lt|lte]` or an exact `created`.
 *
 * @example
 * filterCreated(items, { created: { gte: "1700000000" } });
 */
export function filterCreated<T extends { created?: number }>(items: T[], params: Params): T[] {
  const created = params.created;
  if (created === undefined) return items;
  if (typeof created === "string") return items.filter((i) => i.created === Number(created));
  if (Array.isArray(created)) return items;
  const bound = (key: string) => (typeof created[key] === "string" ? Number(created[key]) : undefined);
  const [gt, gte, lt, lte] = [bound("gt"), bound("gte"), bound("lt"), bound("lte")];
  return items.filter((i) => {
    const c = i.created ?? 0;
    return (
      (gt === undefined || c > gt) &&
      (gte === undefined || c >= gte) &&
      (lt === undefined || c < lt) &&
      (lte === undefined || c <= lte)
    );
  });
}
