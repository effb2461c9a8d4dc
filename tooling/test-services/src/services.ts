/** @module Detects the Postgres and Redis that tests use, and enforces TEST_REQUIRE_SERVICES. */
import { Socket } from "node:net";

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** True when CI (or a developer) demands real services: an unreachable one is then a failure, not a skip. */
export const servicesRequired = (): boolean => process.env.TEST_REQUIRE_SERVICES === "1";

const reachability = new Map<string, Promise<boolean>>();

function tcpReachable(url: string, defaultPort: number, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(Number(port || defaultPort), hostname || "127.0.0.1", () => done(true));
  });
}

function cached(name: string, probe: () => Promise<boolean>): Promise<boolean> {
  let result = reachability.get(name);
  if (!result) {
    result = probe();
    reachability.set(name, result);
  }
  return result;
}

export class ServiceUnavailableError extends Error {
  constructor(service: "postgres" | "redis", url: string) {
    super(
      `${service} is not reachable at ${url}, and TEST_REQUIRE_SERVICES=1 demands it. ` +
        `Start it (see README.md "Tests") or unset TEST_REQUIRE_SERVICES to fall back.`,
    );
    this.name = "ServiceUnavailableError";
  }
}

/**
 * Whether the test Postgres answers. When it does not: throws under TEST_REQUIRE_SERVICES=1,
 * otherwise warns loudly once and returns false so the caller can fall back (PGlite) or skip.
 */
export async function postgresAvailable(): Promise<boolean> {
  const ok = await cached("postgres", () => tcpReachable(TEST_DATABASE_URL, 5432));
  if (!ok) unavailable("postgres", TEST_DATABASE_URL);
  return ok;
}

/** Same contract as {@link postgresAvailable}, for Redis. */
export async function redisAvailable(): Promise<boolean> {
  const ok = await cached("redis", () => tcpReachable(TEST_REDIS_URL, 6379));
  if (!ok) unavailable("redis", TEST_REDIS_URL);
  return ok;
}

const warned = new Set<string>();
function unavailable(service: "postgres" | "redis", url: string): void {
  if (servicesRequired()) throw new ServiceUnavailableError(service, url);
  if (warned.has(service)) return;
  warned.add(service);
  console.warn(
    `\n!!! ${service} is NOT reachable at ${url}: tests that need it fall back or are skipped. ` +
      `CI sets TEST_REQUIRE_SERVICES=1 and fails instead.\n`,
  );
}
