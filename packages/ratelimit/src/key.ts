/** @module Rate-limit keys: which are accepted, and how one becomes its Redis Cluster hash tag. */

/**
 * A key no store may be asked about: empty (every caller whose key came out empty would share one
 * bucket, and `{}` is no hash tag at all on Redis Cluster) or not a string.
 *
 * @example
 * try { await limiter.limit(key); } catch (e) { if (e instanceof RateLimitKeyError) return badRequest(); }
 */
export class RateLimitKeyError extends TypeError {
  readonly code = "key_invalid";

  constructor(message: string) {
    super(message);
    this.name = "RateLimitKeyError";
  }
}

/**
 * Throws a {@link RateLimitKeyError} unless `key` is a non-empty string.
 *
 * @throws {RateLimitKeyError}
 * @example
 * assertKey(tenantId);
 */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0)
    throw new RateLimitKeyError(`ratelimit: a key must be a non-empty string, got ${JSON.stringify(key)}`);
}

const NEEDS_ESCAPE = /[%{}]/;

/**
 * The text between `{` and `}` in the key's Redis names. Redis Cluster hashes only what lies
 * between the first `{` and the next `}`, so a key holding a brace would move its names to another
 * tenant's slot or split them across slots (CROSSSLOT in the script). `%`, `{` and `}` are
 * percent-encoded (`%25`, `%7B`, `%7D`): every other key is its own tag, and two different keys
 * never get the same tag.
 *
 * @example
 * hashTagOf("ten_1"); // "ten_1"
 * hashTagOf("a}b"); // "a%7Db"
 */
export function hashTagOf(key: string): string {
  if (!NEEDS_ESCAPE.test(key)) return key;
  return key.replaceAll("%", "%25").replaceAll("{", "%7B").replaceAll("}", "%7D");
}
