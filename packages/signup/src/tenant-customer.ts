/** @module The tenant's Stripe customer: created once per tenant, deleted by compensations whatever its state. */
import { STRIPE_KEY_TTL_MS, StaleStripeOperationError } from "@org/idempotency";
import { callBilling } from "./billing-call.js";
import { readOutbound, retireOutbound } from "./outbound-once.js";
import type { SignupDeps, SignupStep } from "./signup-context.js";
import { signupClaimed } from "./signup-context.js";
import { advanceTenantRow, holdTenantRow } from "./tenant-row.js";
import { withTimeout } from "./timeout.js";

/**
 * `stripe_operations.operation` of the customer creation.
 *
 * @example
 * await readOutbound(db, CUSTOMER_OPERATION, tenantId);
 */
export const CUSTOMER_OPERATION = "customer:create";

/**
 * Deletes the Stripe customer of a tenant whatever the state of its creation: recorded (delete it),
 * attempted with an unknown outcome (find the customer that call may have made, then delete it),
 * never attempted (nothing to do). Then retires the `customer:create` record, so a retried signup
 * of the same tenant id makes a new customer under a new key instead of getting the deleted one
 * back. Retiring comes last: a crash before it leaves a record that the next compensation deletes
 * again (deleting is idempotent), never a lost customer.
 *
 * An attempt with an unknown outcome is found by replaying its idempotency key while Stripe still
 * knows it (it answers with the customer the lost call made, or makes it now). Past 24 h Stripe has
 * forgotten the key, and a replay would make a second customer and leave the first: the customer
 * is then looked up with `billing.findCustomer` (the tenant id in its metadata, the email as a
 * hint); a port without it makes the deletion fail with `stripe_operation_stale`.
 *
 * @throws {StaleStripeOperationError} past 24 h when the port has no `findCustomer`
 * @example
 * await deleteTenantCustomer(deps, tenantId, row.stripeCustomerId);
 */
export async function deleteTenantCustomer(
  deps: Pick<SignupDeps, "db" | "billing" | "once" | "stepTimeoutMs"> & {
    /** The clock the record's age is measured on (that of `once`). @default () => new Date() */
    now?: () => Date;
  },
  tenantId: string,
  known: { email: string; name: string; customerId?: string | null },
): Promise<void> {
  const ms = deps.stepTimeoutMs ?? 10_000;
  const now = deps.now ?? (() => new Date());
  let customerId = known.customerId ?? undefined;
  if (!customerId) {
    const record = await readOutbound(deps.db, CUSTOMER_OPERATION, tenantId);
    if (!record) return;
    if (record.resourceId) {
      customerId = record.resourceId;
    } else if (now().getTime() - record.createdAt.getTime() < STRIPE_KEY_TTL_MS) {
      customerId = (
        await withTimeout(
          "billing.createCustomer (replay)",
          ms,
          deps.billing.createCustomer({
            tenantId,
            email: known.email,
            name: known.name,
            idempotencyKey: record.idempotencyKey,
          }),
        )
      ).id;
    } else {
      const findCustomer = deps.billing.findCustomer?.bind(deps.billing);
      if (!findCustomer) throw new StaleStripeOperationError(CUSTOMER_OPERATION, tenantId);
      const found = await withTimeout(
        "billing.findCustomer",
        ms,
        findCustomer(tenantId, { email: known.email }),
      );
      customerId = found?.id;
    }
  }
  if (customerId) await withTimeout("billing.deleteCustomer", ms, deps.billing.deleteCustomer(customerId));
  await retireOutbound(deps.db, CUSTOMER_OPERATION, tenantId);
}

/**
 * Creates the tenant's Stripe customer once (`customer:create` keyed by the tenant id). A retry more
 * than 24 h after an unanswered first call, when Stripe has forgotten the key, asks
 * `billing.findCustomer` for the customer that call may have made; a port without it makes that
 * retry fail with `stripe_operation_stale` (the sweeper then compensates the signup).
 *
 * @example
 * const customerId = await createTenantCustomer(deps, tenantId, { email, name });
 */
export function createTenantCustomer(
  deps: Pick<SignupDeps, "billing" | "once" | "stepTimeoutMs">,
  tenantId: string,
  input: { email: string; name: string },
): Promise<string> {
  const { billing } = deps;
  const ms = deps.stepTimeoutMs ?? 10_000;
  const findCustomer = billing.findCustomer?.bind(billing);
  return deps.once(
    CUSTOMER_OPERATION,
    tenantId,
    // The timeout bounds the remote call only, not our own bookkeeping around it.
    (idempotencyKey) =>
      callBilling("billing.createCustomer", ms, () =>
        billing.createCustomer({ tenantId, email: input.email, name: input.name, idempotencyKey }),
      ),
    findCustomer ? { find: () => callBilling("billing.findCustomer", ms, () => findCustomer(tenantId)) } : {},
  );
}

/**
 * Creates the tenant's Stripe customer and records it on the still-pending row; refuses with
 * `signup_claimed` when the row is no longer this signup's. Compensation deletes the customer
 * unless the row was taken over ({@link holdTenantRow}): a retry that resumed the row reuses the
 * same customer (its `customer:create` record), and the sweeper deletes it itself.
 *
 * @example
 * const steps = [reserveStep(deps), customerStep(deps), ...];
 */
export function customerStep(
  deps: Pick<SignupDeps, "db" | "billing" | "once" | "stepTimeoutMs">,
): SignupStep {
  return {
    name: "customer",
    async run(ctx) {
      const customerId = await createTenantCustomer(deps, ctx.tenantId, ctx.input);
      // Known before the write below, so this step's own compensation deletes it if the write fails.
      ctx.customerId = customerId;
      const version = await advanceTenantRow(deps.db, ctx, { stripeCustomerId: customerId });
      if (!version) return signupClaimed(ctx);
      ctx.version = version;
    },
    async compensate(ctx) {
      if ((await holdTenantRow(deps.db, ctx)) === "taken") {
        ctx.customerId = undefined;
        return;
      }
      await deleteTenantCustomer(deps, ctx.tenantId, {
        email: ctx.input.email,
        name: ctx.input.name,
        customerId: ctx.customerId,
      });
      ctx.customerId = undefined;
    },
  };
}
