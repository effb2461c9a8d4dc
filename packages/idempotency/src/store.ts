/** @module The one contract every idempotency store implements (memory, Postgres, Redis). */

/**
 * A completed response, kept so a retry gets it back byte for byte.
 *
 * @example
 * const stored: StoredResponse = { status: 201, headers: { location: "/v1/x/1" }, body: bytes };
 */
export interface StoredResponse {
  status: number;
  /** Only allow-listed headers, lower-case names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** What a claim is about: the caller's key and the request it first came with. */
export interface ClaimInput {
  /** The caller (tenant or API key): two scopes never see each other's records. */
  scope: string;
  key: string;
  method: string;
  path: string;
  /** Hash of method, path and the canonical body. */
  fingerprint: string;
  /** Random token of this attempt: only its holder may complete or release the claim. */
  ownerToken: string;
  /** Epoch ms, from the injected clock. */
  now: number;
  /** How long the claim holds before another attempt may take it over (covers a crashed holder). */
  lockTtlMs: number;
  /** How long the record (and later the completed response) is kept. */
  retentionMs: number;
}

/**
 * The outcome of {@link IdempotencyStore.claim}.
 *
 * @example
 * const result = await store.claim(input);
 * if (result.kind === "completed") return replay(result.response);
 */
export type ClaimResult =
  /** The caller holds the key now and must run the request, then complete or release. */
  | { kind: "claimed" }
  /** Another attempt holds the key; `lockedUntil` (epoch ms) is when its claim lapses. */
  | { kind: "in_progress"; fingerprint: string; lockedUntil: number }
  /** A response is stored for this key. */
  | { kind: "completed"; fingerprint: string; response: StoredResponse; expiresAt: number };

export interface CompleteInput {
  scope: string;
  key: string;
  ownerToken: string;
  response: StoredResponse;
  now: number;
  retentionMs: number;
}

export interface RenewInput {
  scope: string;
  key: string;
  ownerToken: string;
  /** Epoch ms, from the injected clock: the claim then holds until `now + lockTtlMs`. */
  now: number;
  lockTtlMs: number;
}

export interface ReleaseInput {
  scope: string;
  key: string;
  ownerToken: string;
}

export interface SweepInput {
  /** Records that expired at or before this instant (epoch ms) are deleted. */
  now: number;
  /** At most this many rows per statement, so a sweep never holds long locks. */
  batchSize: number;
}

/**
 * Where idempotency records live. Every implementation must pass `store.contract.ts`.
 *
 * Invariants: `claim` is atomic (of any number of concurrent claims for one key at most one gets
 * `claimed` while the lock holds); `complete` and `release` act only when `ownerToken` still holds
 * the claim, so a stale process whose lock lapsed cannot clobber a newer attempt; a completed record
 * never changes until it expires. Infrastructure failures reject; the middleware then fails closed (503).
 *
 * @example
 * const store: IdempotencyStore = createMemoryStore();
 * const claim = await store.claim({ scope: "ten_1", key: "k1", method: "POST", path: "/v1/x",
 *   fingerprint, ownerToken, now: Date.now(), lockTtlMs: 60_000, retentionMs: 86_400_000 });
 */
export interface IdempotencyStore {
  /** Claims the key, or reports who holds it, or returns the stored response. */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Stores the response and ends the claim. False when `ownerToken` no longer holds the key. */
  complete(input: CompleteInput): Promise<boolean>;
  /**
   * Extends the claim to `now + lockTtlMs` while its handler still runs (the middleware's heartbeat),
   * so a slow handler is never run a second time by a retry. False when `ownerToken` no longer holds
   * an in-progress claim (completed, released or taken over).
   */
  renew(input: RenewInput): Promise<boolean>;
  /** Forgets the in-progress record so a retry runs again. False when `ownerToken` no longer holds it. */
  release(input: ReleaseInput): Promise<boolean>;
  /** Deletes at most `batchSize` expired records; returns how many went (the sweeper loops). */
  sweep(input: SweepInput): Promise<number>;
}
