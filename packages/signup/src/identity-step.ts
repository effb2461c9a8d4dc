/** @module The saga's identity step: the tenant's organisation at the identity provider. */
import type { SignupDeps, SignupStep } from "./signup-context.js";
import { holdTenantRow } from "./tenant-row.js";
import { withTimeout } from "./timeout.js";

/**
 * Creates the tenant's organisation at the identity provider; compensation deletes it unless the
 * tenant row was taken over (the organisation is keyed by the tenant id, which a resumed retry
 * shares: see `holdTenantRow`).
 *
 * @example
 * const steps = [..., identityStep(deps), apiKeyStep(deps), ...];
 */
export function identityStep(deps: Pick<SignupDeps, "db" | "identity" | "stepTimeoutMs">): SignupStep {
  const { identity } = deps;
  const ms = deps.stepTimeoutMs ?? 10_000;
  return {
    name: "identity",
    async run(ctx) {
      await withTimeout(
        "identity.createOrganization",
        ms,
        identity.createOrganization({
          tenantId: ctx.tenantId,
          slug: ctx.input.slug,
          name: ctx.input.name,
          email: ctx.input.email,
        }),
      );
    },
    async compensate(ctx) {
      if ((await holdTenantRow(deps.db, ctx)) === "taken") return;
      await withTimeout("identity.deleteOrganization", ms, identity.deleteOrganization(ctx.tenantId));
    },
  };
}
