/** @module Routes declaring which fields of their JSON answer must never be stored in clear. */
import type { Context } from "hono";
import { isFieldPointer } from "../redaction.js";

/** The context variable holding a route's sensitive fields (read by {@link idempotency}). */
export const SENSITIVE_FIELDS_VARIABLE = "idempotencySensitiveFields";

/**
 * Marks members of this request's JSON response (RFC 6901 JSON Pointers) as secrets that the
 * idempotency store must never hold: the client gets them once, in the live response; the stored
 * copy has them set to `null`, so a replay answers the same status and body with those members
 * `null` and an `Idempotent-Redacted` header listing the pointers. Call it in the handler (any time
 * before it returns); calls add up. Without `idempotency()` on the route it does nothing.
 *
 * @param c the request's context
 * @param pointers members to redact, e.g. `["/secret"]` or `["/apiKey/secret"]`
 * @throws Error when a pointer is not a member pointer (it must start with `/`)
 * @example
 * app.post("/v1/api-keys", async (c) => {
 *   const key = await apiKeys.create(tenantId, name);
 *   markSensitiveFields(c, ["/secret"]);
 *   return c.json({ id: key.id, secret: key.secret }, 201);
 * });
 */
export function markSensitiveFields(c: Context, pointers: readonly string[]): void {
  for (const pointer of pointers) {
    if (!isFieldPointer(pointer))
      throw new Error(`markSensitiveFields: "${pointer}" is not a JSON Pointer to a member`);
  }
  const get = c.get as (key: string) => readonly string[] | undefined;
  const set = c.set as (key: string, value: readonly string[]) => void;
  set(SENSITIVE_FIELDS_VARIABLE, [...(get(SENSITIVE_FIELDS_VARIABLE) ?? []), ...pointers]);
}

/**
 * The pointers {@link markSensitiveFields} recorded for this request, if any.
 *
 * @example
 * const pointers = sensitiveFieldsOf(c); // ["/secret"] or undefined
 */
export function sensitiveFieldsOf(c: Context): readonly string[] | undefined {
  return (c.get as (key: string) => readonly string[] | undefined)(SENSITIVE_FIELDS_VARIABLE);
}
