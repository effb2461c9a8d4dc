/** @module Everything a store holds, as text: for tests proving a secret is never stored in clear. */
import { type Database, rows } from "@org/db";
import { sql } from "drizzle-orm";

/**
 * Every row of `idempotency_keys` as text, response bodies decoded as UTF-8 (the bytea's own text
 * form is hex, which would hide a secret from a `toContain` check).
 *
 * @example
 * expect(await idempotencyRowsText(t.db)).not.toContain(secret);
 */
export async function idempotencyRowsText(db: Database): Promise<string> {
  const result = await db.execute(sql`
    SELECT k::text || convert_from(coalesce(k.response_body, ''::bytea), 'UTF8') AS text
    FROM idempotency_keys k`);
  return rows<{ text: string }>(result)
    .map((r) => r.text)
    .join("\n");
}

/** The few ioredis calls {@link redisText} needs (any ioredis client fits). */
export interface RedisReader {
  keys(pattern: string): Promise<string[]>;
  type(key: string): Promise<string>;
  get(key: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  smembers(key: string): Promise<string[]>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
}

/**
 * Every key matching `pattern` with its value, as text (strings, hashes, lists, sets, sorted sets).
 *
 * @example
 * expect(await redisText(redis, `${prefix}*`)).not.toContain(secret);
 */
export async function redisText(redis: RedisReader, pattern: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys(pattern)) {
    const type = await redis.type(key);
    const value =
      type === "string"
        ? await redis.get(key)
        : type === "hash"
          ? await redis.hgetall(key)
          : type === "list"
            ? await redis.lrange(key, 0, -1)
            : type === "set"
              ? await redis.smembers(key)
              : type === "zset"
                ? await redis.zrange(key, 0, -1)
                : `(${type})`;
    parts.push(`${key} ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return parts.join("\n");
}
