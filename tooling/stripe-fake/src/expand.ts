/** @module `expand[]`: replace ids in a response by the objects they name, along dotted paths. */
import { StripeFakeError } from "./errors.js";
import type { Store } from "./store.js";

type Node = Record<string, unknown>;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const cannotExpand = (path: string) =>
  new StripeFakeError(400, "invalid_request_error", `This property cannot be expanded (${path}).`, {
    param: "expand",
    code: "parameter_invalid",
  });

const resolver = (store: Store, extras: Extras) => (id: string, node: Node, field: string) => {
  const found = store.find(id);
  if (found) return clone(found.value);
  const deletedKind = store.wasDeleted(id);
  if (deletedKind) return { id, object: deletedKind, deleted: true };
  return extras(node, field) ?? id;
};

/** Fields that only exist when expanded (e.g. a customer's `subscriptions`). */
export type Extras = (node: Node, field: string) => unknown;

/**
 * Apply expansions to a response (a copy; stored objects are never touched).
 *
 * @param store - where ids are looked up
 * @param value - the response object
 * @param paths - dotted paths, e.g. `["customer", "latest_invoice", "data.customer"]`
 * @param [extras] - producer of expand-only fields
 * @throws StripeFakeError 400 when a path names no expandable field
 * @example
 * expandObject(store, subscription, ["customer", "latest_invoice"]);
 */
export function expandObject<T>(
  store: Store,
  value: T,
  paths: string[],
  extras: Extras = () => undefined,
): T {
  if (paths.length === 0) return value;
  const out = clone(value) as unknown as Node;
  const resolve = resolver(store, extras);
  for (const path of paths) {
    // Stripe allows four levels; the `data` of a list is not a level.
    if (path.split(".").filter((p) => p !== "data").length > 4) throw cannotExpand(path);
    walk(out, path.split("."), path, resolve);
  }
  return out as unknown as T;
}

const walk = (node: Node, parts: string[], path: string, resolve: ReturnType<typeof resolver>): void => {
  const [head, ...rest] = parts as [string, ...string[]];
  if (Array.isArray(node)) {
    for (const child of node) walk(child as Node, parts, path, resolve);
    return;
  }
  let value = node[head];
  if (value === undefined) {
    const extra = resolve("", node, head);
    if (extra === "") throw cannotExpand(path);
    node[head] = extra;
    value = extra;
  }
  if (value === null) return;
  if (typeof value === "string") {
    value = resolve(value, node, head);
    node[head] = value;
  } else if (Array.isArray(value) && rest.length === 0) {
    node[head] = value.map((v) => (typeof v === "string" ? resolve(v, node, head) : v));
    return;
  }
  if (rest.length > 0 && typeof value === "object") walk(value as Node, rest, path, resolve);
};
