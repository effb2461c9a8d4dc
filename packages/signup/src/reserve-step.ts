/** @module The saga's first step: reserve the slug with a pending tenant row (or resume this signup's own). */
import { type Database, tenants } from "@org/db";
import { writeAudit } from "@org/multitenancy";
import type { SignupContext, SignupDeps, SignupStep } from "./signup-context.js";
import { DEFAULT_RESUME_AFTER_MS, ownRow, resumePendingSignup } from "./tenant-row.js";

/**
 * Inserts the pending tenant row; a taken slug is first checked for this signup's own crashed
 * attempt (resumed) and for an abandoned signup (reclaimed), then refused with `slug_taken`.
 * Compensation deletes the row only while it is still pending at the version this attempt last
 * wrote: a row a resumed retry or the sweeper has taken over is theirs.
 *
 * @example
 * const steps = [reserveStep(deps), customerStep(deps), ...];
 */
export function reserveStep(deps: Pick<SignupDeps, "db" | "reclaimSlug" | "resumeAfterMs">): SignupStep {
  const { db } = deps;
  const resumeAfterMs = deps.resumeAfterMs ?? DEFAULT_RESUME_AFTER_MS;
  return {
    name: "reserve",
    async run(ctx) {
      const version = new Date();
      let inserted = await insertPendingTenant(db, ctx, version);
      if (!inserted && (await resumePendingSignup(db, ctx, resumeAfterMs))) return;
      if (!inserted && (await deps.reclaimSlug?.(ctx.input.slug))) {
        inserted = await insertPendingTenant(db, ctx, version);
      }
      if (!inserted)
        return { ok: false, reason: "slug_taken", detail: `The slug "${ctx.input.slug}" is taken.` };
      ctx.reserved = true;
      ctx.version = version;
    },
    async compensate(ctx) {
      if (!ctx.reserved) return;
      await deletePendingTenant(db, ctx);
      ctx.reserved = false;
    },
  };
}

/**
 * ON CONFLICT DO NOTHING on the unique slug: of any number of racing signups exactly one row is
 * inserted; the others see no returned row and answer slug_taken, with no exception path.
 */
async function insertPendingTenant(db: Database, ctx: SignupContext, version: Date): Promise<boolean> {
  const rows = await db
    .insert(tenants)
    .values({
      id: ctx.tenantId,
      slug: ctx.input.slug,
      name: ctx.input.name,
      email: ctx.input.email,
      // A paid plan starts on free: billing moves the tenant to the plan once checkout is paid.
      plan: ctx.paid ? "free" : ctx.input.plan,
      status: "pending",
      updatedAt: version,
    })
    // Any conflict (slug, or the id a retried request derives from its Idempotency-Key).
    .onConflictDoNothing()
    .returning({ id: tenants.id });
  return rows.length > 0;
}

/**
 * Compare-and-delete: only the row as this attempt last left it (pending, `updated_at` =
 * `ctx.version`) is ours to free. A retry of the same request derives the same tenant id and may
 * have resumed the row while this attempt stalled; matching on the id alone would delete its
 * tenant. api_keys rows go with it (ON DELETE CASCADE).
 */
async function deletePendingTenant(db: Database, ctx: SignupContext): Promise<void> {
  await db.transaction(async (tx) => {
    const deleted = await tx.delete(tenants).where(ownRow(ctx)).returning({ id: tenants.id });
    if (deleted.length === 0) return;
    await writeAudit(tx, {
      tenantId: ctx.tenantId,
      actor: "system:signup",
      action: "tenant.signup_compensated",
      target: ctx.tenantId,
      data: { slug: ctx.input.slug },
    });
  });
}
