/** @module Stripe's form encoding: `a[b][c]=1`, `items[0][price]=x`, `expand[]=y`, decoded to nested values. */

/** A decoded parameter tree: strings at the leaves, objects and arrays inside. */
export type Params = { [key: string]: ParamValue };
export type ParamValue = string | Params | ParamValue[];

const splitKey = (key: string): string[] => {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  for (const match of key.slice(first).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? "");
  return parts;
};

const isIndexObject = (value: Params): boolean => {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
};

// `items[0][price]` and `phases[1][items][0]` arrive as objects with index keys: Stripe treats them
// as arrays, ordered by index. Metadata keeps its keys verbatim, even numeric ones.
const normalise = (value: ParamValue, underMetadata = false): ParamValue => {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  const out: Params = {};
  for (const [k, v] of Object.entries(value)) out[k] = normalise(v, k === "metadata");
  if (!underMetadata && isIndexObject(out)) {
    return Object.keys(out)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => out[k] as ParamValue);
  }
  return out;
};

/**
 * Decode an `application/x-www-form-urlencoded` body or query string the way Stripe does.
 *
 * @param input - the raw body or query string (without `?`)
 * @returns the nested parameters
 * @example
 * parseForm("items[0][price]=price_1&expand[]=customer");
 * // { items: [{ price: "price_1" }], expand: ["customer"] }
 */
export function parseForm(input: string): Params {
  const root: Params = {};
  for (const [rawKey, value] of new URLSearchParams(input)) {
    const parts = splitKey(rawKey);
    let node: Params | ParamValue[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const last = i === parts.length - 1;
      if (Array.isArray(node)) {
        if (last) node.push(value);
        else {
          const child: Params = {};
          node.push(child);
          node = child;
        }
        continue;
      }
      if (last) {
        node[part] = value;
        continue;
      }
      const appending = parts[i + 1] === "";
      const existing: ParamValue | undefined = node[part];
      if (appending) {
        if (!Array.isArray(existing)) node[part] = [];
        node = node[part] as ParamValue[];
      } else {
        if (existing === undefined || typeof existing === "string" || Array.isArray(existing))
          node[part] = {};
        node = node[part] as Params;
      }
    }
  }
  return normalise(root) as Params;
}
