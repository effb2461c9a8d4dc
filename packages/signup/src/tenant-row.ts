/** @module The signup's pending tenant row: written only while it is still this signup's version. */
import { apiKeys, type Database, tenants } from "@org/db";
import { and, eq, lt } from "drizzle-orm";
import type { SignupContext } from "./signup-context.js";

/** `SignupDeps.resumeAfterMs` when not given. */
export const DEFAULT_RESUME_AFTER_MS = 60_000;

/**
 * The condition of the tenant row as this signup last left it: still pending, `updated_at`
 * unchanged. A sweeper's claim is an UPDATE of the same row that moves `updated_at`; Postgres
 * serialises the two UPDATEs on the row lock and re-checks this condition for the later one, so of
 * a claim and an activation exactly one matches, in either order or at once.
 *
 * @example
 * await tx.update(tenants).set({ status: "active" }).where(ownRow(ctx));
 */
export function ownRow(ctx: SignupContext) {
  return and(
    eq(tenants.id, ctx.tenantId),
    eq(tenants.status, "pending"),
    ctx.version ? eq(tenants.updatedAt, ctx.version) : undefined,
  );
}

/**
 * Writes `set` on the row if it is still this signup's; returns the new version, or undefined when
 * the row was claimed.
 *
 * @example
 * const version = await advanceTenantRow(db, ctx, { stripeCustomerId });
 */
export async function advanceTenantRow(
  db: Database,
  ctx: SignupContext,
  set: { stripeCustomerId: string },
): Promise<Date | undefined> {
  const version = new Date(Math.max(Date.now(), (ctx.version?.getTime() ?? 0) + 1));
  const rows = await db
    .update(tenants)
    .set({ ...set, updatedAt: version })
    .where(ownRow(ctx))
    .returning({ id: tenants.id });
  return rows.length === 0 ? undefined : version;
}

/**
 * Whether this attempt may undo what the tenant id names: `held` (the row is still this attempt's,
 * and the hold was just renewed), `taken` (a resumed retry or the sweeper holds the row now: leave
 * it all to them), `gone` (no row has this id any more: the sweeper compensated it while this
 * attempt stalled, so what this attempt made after that has no owner and is this attempt's to undo).
 *
 * @example
 * if ((await holdTenantRow(db, ctx)) !== "taken") await identity.deleteOrganization(ctx.tenantId);
 */
export type RowHold = "held" | "taken" | "gone";

/**
 * Renews this attempt's hold on its pending tenant row before a compensation undoes something the
 * tenant id names (the Stripe customer, the identity organisation, the trial claim): a
 * compare-and-set of `updated_at` from `ctx.version` to a new value. When it does not match, the
 * row is not this attempt's any more: a retry of the same request (same derived tenant id) resumed
 * it while this attempt stalled and reuses the same customer through its `customer:create` record,
 * or the sweeper claimed it and deletes the customer itself; either way this attempt must leave it
 * alone (`taken`), unless the row is gone altogether (`gone`). Moving `updated_at` also keeps a
 * retry from resuming the row (`resumeAfterMs`) and the sweeper from claiming it while the
 * compensation runs.
 *
 * @example
 * async compensate(ctx) { if ((await holdTenantRow(db, ctx)) !== "taken") await release(ctx.tenantId); }
 */
export async function holdTenantRow(db: Database, ctx: SignupContext): Promise<RowHold> {
  // Never reserved: nothing the tenant id names is this attempt's.
  if (!ctx.version) return "taken";
  const version = new Date(Math.max(Date.now(), ctx.version.getTime() + 1));
  const rows = await db
    .update(tenants)
    .set({ updatedAt: version })
    .where(ownRow(ctx))
    .returning({ id: tenants.id });
  if (rows.length > 0) {
    ctx.version = version;
    return "held";
  }
  // Lost: the reserve step's compensation must not delete the row either.
  ctx.reserved = false;
  const [row] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, ctx.tenantId));
  return row ? "taken" : "gone";
}

/**
 * A retry of a signup that crashed before activation finds its own pending row (same derived id,
 * same slug and email): it takes it over and re-runs the later steps, each safe to repeat (the
 * customer and session come back from their idempotency keys). Bumping updated_at makes the
 * sweeper's claim on the row fail, so the two never both work on it. Active tenants are never
 * resumed: their first key may have been delivered, and a second one is not handed to whoever
 * repeats the request. Returns whether the row was taken over.
 *
 * @example
 * if (!inserted && (await resumePendingSignup(db, ctx, 60_000))) return;
 */
export async function resumePendingSignup(
  db: Database,
  ctx: SignupContext,
  resumeAfterMs: number,
): Promise<boolean> {
  const version = new Date();
  const rows = await db
    .update(tenants)
    .set({ updatedAt: version })
    .where(
      and(
        eq(tenants.id, ctx.tenantId),
        eq(tenants.slug, ctx.input.slug),
        eq(tenants.email, ctx.input.email),
        eq(tenants.status, "pending"),
        // Of concurrent retries only the first passes: the others re-check this after its update.
        lt(tenants.updatedAt, new Date(Date.now() - resumeAfterMs)),
      ),
    )
    .returning({ id: tenants.id });
  if (rows.length === 0) return false;
  ctx.reserved = true;
  ctx.version = version;
  // Keys made by the crashed attempt were never shown to anyone.
  await db.delete(apiKeys).where(eq(apiKeys.tenantId, ctx.tenantId));
  return true;
}
