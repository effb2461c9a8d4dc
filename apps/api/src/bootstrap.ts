/** @module First start: the one organisation and its first API key. */
import { apiKeys, type Database, newId, tenants } from "@org/db";
import { generateApiKey, hashSecret, writeAudit } from "@org/multitenancy";
import { SELF_HOSTED_PLAN } from "@org/platform";
import { eq } from "drizzle-orm";

export interface Organisation {
  id: string;
  slug: string;
}

export interface BootstrapResult {
  organisation: Organisation;
  /** The secret of a key generated on this start: shown once, never stored. */
  generatedSecret?: string;
  createdOrganisation: boolean;
}

/**
 * Creates the organisation on first start (idempotent: later starts find it) and, when it has no
 * key yet, its first API key: INITIAL_API_KEY when given, else a generated one returned once.
 * Several processes starting at once on one database create one organisation (unique slug).
 */
export async function bootstrap(
  db: Database,
  options: { slug: string; name: string; email: string; initialApiKey?: string },
): Promise<BootstrapResult> {
  const inserted = await db
    .insert(tenants)
    .values({
      id: newId("tenant"),
      slug: options.slug,
      name: options.name,
      email: options.email,
      plan: SELF_HOSTED_PLAN,
      status: "active",
    })
    .onConflictDoNothing({ target: tenants.slug })
    .returning({ id: tenants.id });
  const [org] = await db
    .select({ id: tenants.id, slug: tenants.slug })
    .from(tenants)
    .where(eq(tenants.slug, options.slug));
  if (!org) throw new Error(`organisation ${options.slug} could not be created`);
  const hasKey = (await db.$count(apiKeys, eq(apiKeys.tenantId, org.id))) > 0;
  if (hasKey) return { organisation: org, createdOrganisation: inserted.length > 0 };

  const given = options.initialApiKey;
  const generated = given ? undefined : generateApiKey("sk");
  const secret = given ?? generated!.secret;
  const keyId = newId("apiKey");
  await db.insert(apiKeys).values({
    tenantId: org.id,
    id: keyId,
    name: "initial",
    prefix: given ? `${given.slice(0, 6)}…` : generated!.displayPrefix,
    hash: given ? hashSecret(given) : generated!.hash,
    // The organisation's first key is its owner's: every scope, including creating more keys.
    scopes: ["*"],
  });
  await writeAudit(db, {
    tenantId: org.id,
    actor: "system",
    action: "api_key.create",
    target: keyId,
    data: { name: "initial", source: given ? "INITIAL_API_KEY" : "generated" },
  });
  return {
    organisation: org,
    createdOrganisation: inserted.length > 0,
    ...(generated ? { generatedSecret: secret } : {}),
  };
}
