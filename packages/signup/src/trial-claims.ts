/** @module One card-less trial per tenant and per email, claimed in `trial_claims`. */
import { type Database, trialClaims } from "@org/db";
import { eq } from "drizzle-orm";

/**
 * The form of an email that trial claims compare: trimmed, lower-case, and the `+tag` of the local
 * part removed, so `Ann+2@Acme.test` and `ann@acme.test` share one trial. Dots are kept: only some
 * providers ignore them.
 *
 * @example
 * normaliseEmail(" Ann+trial@Acme.TEST "); // "ann@acme.test"
 */
export function normaliseEmail(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at < 0) return lower;
  const local = lower.slice(0, at);
  const plus = local.indexOf("+");
  return `${plus > 0 ? local.slice(0, plus) : local}${lower.slice(at)}`;
}

/**
 * Claims the trial of `email` for `tenantId`. True when the claim is this tenant's: inserted now, or
 * inserted by an earlier run of the same signup (a resumed retry). The unique index on the email
 * decides between concurrent signups: exactly one insert wins, the others insert nothing.
 *
 * @example
 * const trial = await claimTrial(db, { tenantId, email, plan: "enterprise" });
 */
export async function claimTrial(
  db: Database,
  claim: { tenantId: string; email: string; plan: string },
): Promise<boolean> {
  const email = normaliseEmail(claim.email);
  const inserted = await db
    .insert(trialClaims)
    .values({ tenantId: claim.tenantId, email, plan: claim.plan })
    .onConflictDoNothing()
    .returning({ tenantId: trialClaims.tenantId });
  if (inserted.length > 0) return true;
  const [existing] = await db.select().from(trialClaims).where(eq(trialClaims.email, email));
  return existing?.tenantId === claim.tenantId;
}

/**
 * Gives a claim back (the signup that made it is compensated).
 *
 * @example
 * await releaseTrial(db, tenantId);
 */
export async function releaseTrial(db: Database, tenantId: string): Promise<void> {
  await db.delete(trialClaims).where(eq(trialClaims.tenantId, tenantId));
}
