/** @module Stripe's search query language, the subset the platform uses: `metadata['k']:'v' AND email~'x'`. */
import { invalidParam } from "./errors.js";
import type { Params } from "./form.js";
import { int, requireStr, str } from "./params.js";

interface Clause {
  negate: boolean;
  field: string;
  metadataKey?: string;
  op: ":" | "~" | ">" | "<" | ">=" | "<=";
  value: string | number | null;
}

const CLAUSE =
  /^(-)?(?:metadata\[(?:'([^']*)'|"([^"]*)")\]|([a-z_][a-z0-9_.]*))\s*(>=|<=|:|~|>|<)\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|(null))$/i;

const parseClause = (text: string): Clause => {
  const m = CLAUSE.exec(text.trim());
  if (!m) throw invalidParam("query", `Invalid search query: could not parse \`${text.trim()}\`.`);
  const metadataKey = m[2] ?? m[3];
  const raw = m[6] ?? m[7];
  const clause: Clause = {
    negate: m[1] === "-",
    field: metadataKey === undefined ? (m[4] as string) : "metadata",
    op: m[5] as Clause["op"],
    value: raw !== undefined ? raw.replace(/\\(.)/g, "$1") : m[8] !== undefined ? Number(m[8]) : null,
  };
  if (metadataKey !== undefined) clause.metadataKey = metadataKey;
  return clause;
};

const fieldValue = (item: Record<string, unknown>, clause: Clause): unknown => {
  if (clause.metadataKey !== undefined) {
    return (item.metadata as Record<string, string> | undefined)?.[clause.metadataKey] ?? null;
  }
  let value: unknown = item;
  for (const part of clause.field.split(".")) value = (value as Record<string, unknown> | null)?.[part];
  return value ?? null;
};

const matches = (item: Record<string, unknown>, clause: Clause): boolean => {
  const value = fieldValue(item, clause);
  let ok: boolean;
  if (clause.op === ":") ok = clause.value === null ? value === null : String(value) === String(clause.value);
  else if (clause.op === "~")
    ok = typeof value === "string" && value.toLowerCase().includes(String(clause.value).toLowerCase());
  else {
    const a = Number(value);
    const b = Number(clause.value);
    ok = clause.op === ">" ? a > b : clause.op === "<" ? a < b : clause.op === ">=" ? a >= b : a <= b;
  }
  return clause.negate ? !ok : ok;
};

/**
 * Compile a search query into a predicate. Clauses are joined by `AND` or by `OR` (not both, as on Stripe).
 *
 * @throws StripeFakeError 400 for a query outside the supported grammar
 * @example
 * const test = compileQuery("metadata['tenant_id']:'ten_x' AND email~'acme'");
 * test(customer); // true
 */
export function compileQuery(query: string): (item: object) => boolean {
  const hasAnd = /\sAND\s/.test(query);
  const hasOr = /\sOR\s/.test(query);
  if (hasAnd && hasOr) throw invalidParam("query", "Invalid search query: cannot combine AND and OR.");
  const clauses = query.split(hasOr ? /\s+OR\s+/ : /\s+AND\s+/).map(parseClause);
  return (item) => {
    const record = item as Record<string, unknown>;
    return hasOr ? clauses.some((c) => matches(record, c)) : clauses.every((c) => matches(record, c));
  };
}

/** Stripe's search result envelope. */
export interface SearchResult<T> {
  object: "search_result";
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

/**
 * Run a `/search` request (`query`, `limit`, `page`) over items, newest first.
 * Stripe's search is eventually consistent (up to a minute); the fake's is immediate.
 *
 * @example
 * search(store.all("customer"), { query: "metadata['tenant_id']:'ten_x'" }, "/v1/customers/search");
 */
export function search<T extends object>(items: T[], params: Params, url: string): SearchResult<T> {
  const test = compileQuery(requireStr(params, "query"));
  const limit = int(params, "limit") ?? 10;
  if (limit < 1 || limit > 100)
    throw invalidParam("limit", "Invalid integer: limit must be between 1 and 100.");
  const page = str(params, "page");
  const offset = page ? Number(Buffer.from(page, "base64url").toString("utf8")) || 0 : 0;
  const all = items.filter(test);
  const data = all.slice(offset, offset + limit);
  const hasMore = all.length > offset + limit;
  return {
    object: "search_result",
    data,
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString("base64url") : null,
    url,
  };
}
