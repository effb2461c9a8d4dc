/** @module API keys: generation, hashing, creation, listing, revocation and verification. */
import { hash, timingSafeEqual } from "node:crypto";
import { apiKeys, type Database, newId, randomBase62 } from "@org/db";
import { and, eq, isNull } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { writeAudit } from "./audit.js";
import type { Invalidation, InvalidationBus } from "./cache/bus.js";
import { createLruCache } from "./cache/lru.js";
import { ALL_SCOPES } from "./scopes.js";
import { tenantScope } from "./tenant-scope.js";

/** 43 base62 characters carry 256 bits: the "32+ random bytes" of the secret. */
const SECRET_CHARS = 43;
/** Characters of the random part kept in the displayed prefix (not enough to guess the rest). */
const DISPLAY_CHARS = 6;
const PREFIX_RE = /^[a-z][a-z0-9]{1,15}$/;
/**
 * What any key this platform issues looks like: generated ones (`sk_` + 43 base62) and the
 * self-hosted `INITIAL_API_KEY` (32 to 128 of `[A-Za-z0-9_-]`). Anything else is refused before it
 * is hashed or looked up, so junk costs neither a query nor a cache entry.
 */
const KEY_FORMAT = /^[A-Za-z0-9_-]{32,128}$/;

/**
 * Whether `secret` has the shape of a key this platform issues (checked before any lookup).
 *
 * @example
 * isWellFormedKey("sk_" + "a".repeat(43)); // true
 * isWellFormedKey("' OR 1=1 --"); // false
 */
export const isWellFormedKey = (secret: string): boolean => KEY_FORMAT.test(secret);

/**
 * A new API key: the secret (shown once), its hash and display prefix.
 *
 * @example
 * const { secret, hash, displayPrefix } = generateApiKey();
 */
export interface GeneratedKey {
  secret: string;
  hash: string;
  displayPrefix: string;
}

/**
 * SHA-256 of a secret, hex. Secrets are 256 random bits, so a fast hash is enough: there is no
 * dictionary to grind through, unlike passwords.
 *
 * @example
 * hashSecret("sk_abc..."); // "9f86d0..."
 */
export const hashSecret = (secret: string): string => hash("sha256", secret, "hex");

/**
 * A new secret `<prefix>_<43 base62 chars>`, its hash and its display prefix.
 *
 * @param prefix lowercase letters and digits, 2 to 16 characters, starting with a letter
 * @throws {Error} on an invalid prefix
 * @example
 * const { secret, hash, displayPrefix } = generateApiKey("sk"); // secret "sk_7Gq...", displayPrefix "sk_7Gq2xP"
 */
export function generateApiKey(prefix = "sk"): GeneratedKey {
  if (!PREFIX_RE.test(prefix)) throw new Error(`API key prefix must match ${PREFIX_RE}, got "${prefix}"`);
  const secret = `${prefix}_${randomBase62(SECRET_CHARS)}`;
  return {
    secret,
    hash: hashSecret(secret),
    displayPrefix: secret.slice(0, prefix.length + 1 + DISPLAY_CHARS),
  };
}

/**
 * Constant-time comparison of two hex digests of equal length.
 *
 * @example
 * sameHash(hashSecret(given), storedHash);
 */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * An API key as listed (never the secret or the hash).
 *
 * @example
 * const { data } = await (await app.request("/v1/api-keys")).json() as { data: ApiKeyView[] };
 */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * Who a verified key belongs to.
 *
 * @example
 * const principal = await apiKeys.verify(secret); // { tenantId, keyId, scopes }
 */
export interface ApiKeyPrincipal {
  tenantId: string;
  keyId: string;
  scopes: string[];
}

/**
 * Options of {@link createApiKeyService}.
 *
 * @example
 * createApiKeyService({ db, bus, prefix: "sk", onUsed: batcher.touch });
 */
export interface ApiKeyServiceOptions {
  db: Database;
  bus: InvalidationBus;
  /** Secret prefix. @default "sk" */
  prefix?: string;
  /** @default 300_000 */
  cacheTtlMs?: number;
  /** Unknown secrets are remembered this long (probing costs no query). @default 5_000 */
  negativeTtlMs?: number;
  /** Valid keys cached. @default 10_000 */
  cacheMaxEntries?: number;
  /**
   * Unknown secrets remembered, in their own cache: a flood of made-up keys evicts only other
   * made-up keys, never a valid one. @default 10_000
   */
  negativeMaxEntries?: number;
  /** @default Date.now */
  now?: () => number;
  /** Called for every successful verification (e.g. a {@link LastUsedBatcher}'s `touch`). */
  onUsed?: (principal: ApiKeyPrincipal) => void;
}

/**
 * A key just created: the only time its secret is available.
 *
 * @example
 * const { id, secret } = await apiKeys.create(tenantId, { name: "ci" }, "admin");
 */
export interface CreatedApiKey {
  id: string;
  name: string;
  /** Shown once: only its hash is stored. */
  secret: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
}

/**
 * API key operations. Everything but `verify` is confined to one tenant.
 *
 * @example
 * const principal = await apiKeys.verify(secret);
 */
export interface ApiKeyService {
  create(
    tenantId: string,
    input: { name: string; scopes?: string[] },
    actor: string,
    db?: Database,
  ): Promise<CreatedApiKey>;
  list(tenantId: string): Promise<ApiKeyView[]>;
  /** False when the tenant has no such live key (another tenant's id included). */
  revoke(tenantId: string, keyId: string, actor: string): Promise<boolean>;
  /** The principal of a live key, or undefined. Cached; revocation invalidates on every node. */
  verify(secret: string): Promise<ApiKeyPrincipal | undefined>;
  /**
   * `verify()` answered from this node's cache, without a promise: the principal, `null` for a key
   * known to be invalid, `undefined` when the cache does not know it (then call `verify()`).
   */
  verifyCached(secret: string): ApiKeyPrincipal | null | undefined;
  close(): void;
}

const view = (row: typeof apiKeys.$inferSelect): ApiKeyView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** Inserts a key and its audit entry in one transaction, then clears any negative entry of its hash. */
async function insertKey(
  executor: Database,
  bus: InvalidationBus,
  prefix: string,
  tenantId: string,
  input: { name: string; scopes?: string[] },
  actor: string,
): Promise<CreatedApiKey> {
  const key = generateApiKey(prefix);
  const scopes = input.scopes ?? [ALL_SCOPES];
  const row = await executor.transaction(async (tx) => {
    const inserted = await tenantScope(tx, tenantId).insert(apiKeys, {
      id: newId("apiKey"),
      name: input.name,
      prefix: key.displayPrefix,
      hash: key.hash,
      scopes,
    });
    await writeAudit(tx, {
      tenantId,
      actor,
      action: "api_key.created",
      target: inserted.id,
      data: { name: input.name, prefix: key.displayPrefix, scopes },
    });
    return inserted;
  });
  // A probe of this secret before it existed may have left a negative entry on some node.
  await bus.publish({ apiKeyHash: key.hash });
  return {
    id: row.id,
    name: row.name,
    secret: key.secret,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A tenant's keys, newest first (ties by id, descending). */
async function listKeys(db: Database, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await tenantScope(db, tenantId).select(apiKeys);
  rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  return rows.map(view);
}

/** Revokes a tenant's live key with its audit entry, then drops it from every node's cache. */
async function revokeKey(
  db: Database,
  bus: InvalidationBus,
  tenantId: string,
  keyId: string,
  actor: string,
): Promise<boolean> {
  const revoked = await db.transaction(async (tx) => {
    const [row] = await tenantScope(tx, tenantId).update(
      apiKeys,
      { revokedAt: new Date() },
      and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)),
    );
    if (!row) return undefined;
    await writeAudit(tx, { tenantId, actor, action: "api_key.revoked", target: keyId, data: {} });
    return row;
  });
  if (!revoked) return false;
  await bus.publish({ apiKeyHash: revoked.hash });
  return true;
}

// A principal, or `null` for a digest known to name no live key.
type Cached = ApiKeyPrincipal | null;

/** The principal of the live key with this digest, or `null`. */
async function selectPrincipal(db: Database, digest: string): Promise<Cached> {
  const [row] = await db
    .select({
      tenantId: apiKeys.tenantId,
      id: apiKeys.id,
      scopes: apiKeys.scopes,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.hash, digest))
    .limit(1);
  return row && !row.revokedAt ? { tenantId: row.tenantId, keyId: row.id, scopes: row.scopes } : null;
}

/** This node's memory of keys: principals, unknown digests and the digests of valid secrets. */
interface KeyCaches {
  /** The cached answer for a digest, or `undefined` when the cache does not know it. */
  cached(digest: string): Cached | undefined;
  /** The SHA-256 of a secret, without hashing when the secret verified before. */
  digestOf(secret: string): string;
  rememberDigest(secret: string, digest: string): void;
  /** Reads a digest's principal and caches it, unless an invalidation ran during the read. */
  fill(digest: string, read: (digest: string) => Promise<Cached>): Promise<Cached>;
  /** Drops what a bus message names (a key's hash, or everything). */
  invalidate(message: Invalidation): void;
}

type KeyCacheOptions = Required<
  Pick<
    ApiKeyServiceOptions,
    "cacheTtlMs" | "negativeTtlMs" | "cacheMaxEntries" | "negativeMaxEntries" | "now"
  >
>;

/** Creates the {@link KeyCaches} of one service. */
function createKeyCaches(options: KeyCacheOptions): KeyCaches {
  const { cacheTtlMs, negativeTtlMs, cacheMaxEntries, negativeMaxEntries, now } = options;
  // Keyed by the secret's SHA-256: a hit is a key whose stored hash equals the digest. Comparing the
  // digest with the stored hash again would add nothing: timing reveals at most bits of a hash of the secret.
  const cache = createLruCache<ApiKeyPrincipal>(cacheMaxEntries, now);
  // lru-cache reads a start time of 0 as "never set" (the entry would never expire), so an injected
  // clock starting at 0 is shifted by one millisecond.
  const unknown = new LRUCache<string, true>({
    max: negativeMaxEntries,
    ttl: negativeTtlMs,
    perf: { now: () => now() + 1 },
    // Read the clock on every check: the default caches it for a millisecond of real time.
    ttlResolution: 0,
  });
  // The digest of each valid secret seen, so that a request with a known key costs no SHA-256 (a
  // quarter of a cached tenant resolution in a CPU profile). It holds secrets in memory as long as the process runs with
  // them, beside the database URL and the Stripe key it already holds; only keys that verified
  // enter it, so no flood of made-up keys fills it. A digest is a function of the secret alone:
  // revocation needs nothing here, the principal cache is what forgets the key.
  const digests = new Map<string, string>();
  let epoch = 0;
  return {
    cached: (digest) => cache.get(digest) ?? (unknown.has(digest) ? null : undefined),
    digestOf: (secret) => digests.get(secret) ?? hashSecret(secret),
    rememberDigest: (secret, digest) => {
      if (digests.size >= cacheMaxEntries) digests.clear();
      digests.set(secret, digest);
    },
    fill: async (digest, read) => {
      const started = epoch;
      const entry = await read(digest);
      // A revocation that raced this read must not be undone by caching the pre-revocation row.
      if (epoch === started) {
        if (entry) cache.set(digest, entry, cacheTtlMs);
        else unknown.set(digest, true);
      }
      return entry;
    },
    invalidate: (m) => {
      if (m.all) {
        epoch++;
        cache.clear();
        unknown.clear();
      } else if (m.apiKeyHash) {
        epoch++;
        cache.delete(m.apiKeyHash);
        unknown.delete(m.apiKeyHash);
      }
    },
  };
}

/**
 * Creates the API key service.
 *
 * @example
 * const keys = createApiKeyService({ db, bus, onUsed: batcher.touch });
 * const created = await keys.create(tenant.id, { name: "ci" }, "api_key:key_1");
 * const principal = await keys.verify(created.secret);
 */
export function createApiKeyService(options: ApiKeyServiceOptions): ApiKeyService {
  const {
    db,
    bus,
    prefix = "sk",
    cacheTtlMs = 300_000,
    negativeTtlMs = 5_000,
    cacheMaxEntries = 10_000,
    negativeMaxEntries = 10_000,
    now = Date.now,
    onUsed,
  } = options;
  if (!PREFIX_RE.test(prefix)) throw new Error(`API key prefix must match ${PREFIX_RE}, got "${prefix}"`);
  // Destructured once: the request path calls these closures directly.
  const { cached, digestOf, rememberDigest, fill, invalidate } = createKeyCaches({
    cacheTtlMs,
    negativeTtlMs,
    cacheMaxEntries,
    negativeMaxEntries,
    now,
  });
  const read = (digest: string) => selectPrincipal(db, digest);
  const unsubscribe = bus.subscribe(invalidate);

  return {
    create: (tenantId, input, actor, executor = db) =>
      insertKey(executor, bus, prefix, tenantId, input, actor),
    list: (tenantId) => listKeys(db, tenantId),
    revoke: (tenantId, keyId, actor) => revokeKey(db, bus, tenantId, keyId, actor),
    verifyCached(secret) {
      if (!isWellFormedKey(secret)) return null;
      const entry = cached(digestOf(secret));
      if (entry) onUsed?.(entry);
      return entry;
    },
    async verify(secret) {
      if (!isWellFormedKey(secret)) return undefined;
      const digest = digestOf(secret);
      // `null` is a known invalid key: only `undefined` (not cached) reads the database.
      let entry = cached(digest);
      if (entry === undefined) entry = await fill(digest, read);
      if (!entry) return undefined;
      rememberDigest(secret, digest);
      onUsed?.(entry);
      return entry;
    },
    close: () => unsubscribe(),
  };
}
