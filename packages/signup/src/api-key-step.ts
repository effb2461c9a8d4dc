/** @module The saga's api_key step: the tenant's first API key, whose secret the signup answers once. */
import { apiKeys } from "@org/db";
import { and, eq } from "drizzle-orm";
import type { SignupDeps, SignupStep } from "./signup-context.js";

/**
 * Creates the tenant's first API key; compensation deletes it.
 *
 * @example
 * const steps = [..., identityStep(deps), apiKeyStep(deps), ...];
 */
export function apiKeyStep(deps: Pick<SignupDeps, "db" | "apiKeys">): SignupStep {
  const { db } = deps;
  return {
    name: "api_key",
    async run(ctx) {
      ctx.apiKey = await deps.apiKeys.create(ctx.tenantId, { name: "default" }, "system:signup");
    },
    async compensate(ctx) {
      if (ctx.apiKey) {
        await db
          .delete(apiKeys)
          .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, ctx.apiKey.id)));
      }
      ctx.apiKey = undefined;
    },
  };
}
