/** @module Idempotency records in Redis: SET NX PX claims, owner-checked completion, one hash slot per key. */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type {
  ClaimInput,
  ClaimResult,
  CompleteInput,
  IdempotencyStore,
  ReleaseInput,
  RenewInput,
  SweepInput,
} from "./store.js";

export interface RedisStoreOptions {
  /** An ioredis client or cluster; `enableAutoPipelining: true` batches concurrent calls. */
  redis: Redis | Cluster;
  /** Prepended to every key, e.g. `"app:"`. @default "" */
  prefix?: string;
}

// KEYS[1] record hash, KEYS[2] lock. ARGV: now, fingerprint, owner, lockTtlMs, retentionMs, method, path.
// The whole decision runs in one script, so no other client can slip between the read and the claim.
// The lock key (SET NX PX) expires on Redis's own clock, which frees the key of a crashed holder;
// `lockedUntil` in the record follows the caller's clock, so an injected clock sees the same expiry.
const CLAIM = `
local now = tonumber(ARGV[1])
local rec = redis.call('HMGET', KEYS[1], 'state', 'fp', 'lockedUntil', 'expiresAt', 'status', 'headers', 'body')
local live = rec[1] and tonumber(rec[4]) > now
if live and rec[1] == 'completed' then
  return {'completed', rec[2], rec[4], rec[5], rec[6], rec[7]}
end
local took = redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4])
if not took then
  if live and tonumber(rec[3]) > now then
    return {'in_progress', rec[2], rec[3]}
  end
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'in_progress', 'fp', ARGV[2], 'owner', ARGV[3],
  'lockedUntil', now + tonumber(ARGV[4]), 'expiresAt', now + tonumber(ARGV[5]), 'method', ARGV[6], 'path', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'claimed'}
`;

// KEYS[1] record, KEYS[2] lock. ARGV: owner, now, retentionMs, status, headers, body.
// Only the current owner of an in-progress record may complete it (a stale holder whose lock was
// taken over gets 0 and changes nothing).
const COMPLETE = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'owner')
if rec[1] ~= 'in_progress' or rec[2] ~= ARGV[1] then return 0 end
local expiresAt = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'completed', 'expiresAt', expiresAt, 'status', ARGV[4],
  'headers', ARGV[5], 'body', ARGV[6])
redis.call('HDEL', KEYS[1], 'lockedUntil')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
return 1
`;

// Compare-and-delete: only the owner of an in-progress record releases it.
const RELEASE = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'owner')
if rec[1] ~= 'in_progress' or rec[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

// KEYS[1] record, KEYS[2] lock. ARGV: owner, now, lockTtlMs. Only the owner of an in-progress
// record extends it: the lock key (which a claim takes over once it is gone) gets a new PX and the
// record its new lockedUntil; the record's own TTL never ends before the lock.
const RENEW = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'owner')
if rec[1] ~= 'in_progress' or rec[2] ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
redis.call('HSET', KEYS[1], 'lockedUntil', tonumber(ARGV[2]) + ttl)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

type ScriptRunner = (...args: (string | number | Buffer)[]) => Promise<unknown>;

interface WithScripts {
  orgIdempotencyClaimBuffer: ScriptRunner;
  orgIdempotencyComplete: ScriptRunner;
  orgIdempotencyRelease: ScriptRunner;
  orgIdempotencyRenew: ScriptRunner;
}

/**
 * A store in Redis. Each key has a record hash and a lock key that share one hash tag (a digest of
 * scope and key), so both live in one slot and the scripts run on Redis Cluster. Records expire by
 * Redis TTL, so `sweep` has nothing to do here.
 *
 * @example
 * const redis = new Redis(env.REDIS_URL, { enableAutoPipelining: true });
 * const store = createRedisStore({ redis, prefix: "app:" });
 */
export function createRedisStore(options: RedisStoreOptions): IdempotencyStore {
  const { redis, prefix = "" } = options;
  const r = redis as unknown as WithScripts & Redis;
  if (typeof r.orgIdempotencyRenew !== "function") {
    redis.defineCommand("orgIdempotencyClaim", { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand("orgIdempotencyComplete", { numberOfKeys: 2, lua: COMPLETE });
    redis.defineCommand("orgIdempotencyRelease", { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand("orgIdempotencyRenew", { numberOfKeys: 2, lua: RENEW });
  }

  const keysOf = (scope: string, key: string): [string, string] => {
    const tag = createHash("sha256").update(scope).update("\u0000").update(key).digest("base64url");
    return [`${prefix}idem:{${tag}}:rec`, `${prefix}idem:{${tag}}:lock`];
  };

  return {
    async claim(input: ClaimInput): Promise<ClaimResult> {
      const [rec, lock] = keysOf(input.scope, input.key);
      const reply = (await r.orgIdempotencyClaimBuffer(
        rec,
        lock,
        input.now,
        input.fingerprint,
        input.ownerToken,
        input.lockTtlMs,
        input.retentionMs,
        input.method,
        input.path,
      )) as (Buffer | null)[];
      const kind = reply[0]?.toString();
      if (kind === "claimed") return { kind: "claimed" };
      const fingerprint = reply[1]?.toString() ?? "";
      if (kind === "in_progress") {
        return { kind: "in_progress", fingerprint, lockedUntil: Number(reply[2]?.toString()) };
      }
      const body = reply[5] ?? Buffer.alloc(0);
      return {
        kind: "completed",
        fingerprint,
        expiresAt: Number(reply[2]?.toString()),
        response: {
          status: Number(reply[3]?.toString()),
          headers: JSON.parse(reply[4]?.toString() ?? "{}") as Record<string, string>,
          body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        },
      };
    },

    async complete(input: CompleteInput) {
      const [rec, lock] = keysOf(input.scope, input.key);
      const { response } = input;
      const done = await r.orgIdempotencyComplete(
        rec,
        lock,
        input.ownerToken,
        input.now,
        input.retentionMs,
        response.status,
        JSON.stringify(response.headers),
        Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength),
      );
      return done === 1;
    },

    async renew(input: RenewInput) {
      const [rec, lock] = keysOf(input.scope, input.key);
      return (await r.orgIdempotencyRenew(rec, lock, input.ownerToken, input.now, input.lockTtlMs)) === 1;
    },

    async release(input: ReleaseInput) {
      const [rec, lock] = keysOf(input.scope, input.key);
      return (await r.orgIdempotencyRelease(rec, lock, input.ownerToken)) === 1;
    },

    async sweep(_input: SweepInput) {
      return 0;
    },
  };
}
