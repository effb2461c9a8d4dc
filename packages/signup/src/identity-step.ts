/** @module The saga's identity step: the tenant's organisation at the identity provider. */
import type { SignupDeps, SignupStep } from "./signup-context.js";
import { withTimeout } from "./timeout.js";

/**
 * Creates the tenant's organisation at the identity provider; compensation deletes it.
 *
 * @example
 * const steps = [..., identityStep(deps), apiKeyStep(deps), ...];
 */
export function identityStep(deps: Pick<SignupDeps, "identity" | "stepTimeoutMs">): SignupStep {
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
      await withTimeout("identity.deleteOrganization", ms, identity.deleteOrganization(ctx.tenantId));
    },
  };
}
