import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createTestDb, createTestRedis, type TestDb, type TestRedis } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, post } from "../../test/test-app.js";
import { createPostgresStore } from "../postgres-store.js";
import { createRedisStore } from "../redis-store.js";
import type { IdempotencyStore } from "../store.js";

const LOCK_MS = 60_000;
const script = fileURLToPath(new URL("../../test/hold-claim.ts", import.meta.url));
const packageDir = fileURLToPath(new URL("../..", import.meta.url));

/** Starts the child, resolves once its handler runs (it then holds the claim), and kills it with SIGKILL. */
async function claimThenKill(args: string[]): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      if (String(d).includes("running")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
}

function describeKill(
  name: string,
  setup: () => Promise<{ store: IdempotencyStore; args: (key: string) => string[] }>,
) {
  it(`${name}: a key held by a killed process answers 409 until the lock lapses, then runs once`, async () => {
    const { store, args } = await setup();
    const key = randomUUID();
    await claimThenKill(args(key));

    let now = Date.now();
    const { app, runs } = createTestApp({ store, clock: () => now, lockTtlMs: LOCK_MS, replayCache: false });
    const headers = { "x-tenant": "ten_kill" };
    const before = await app.request("/v1/things", post(key, { amount: 100 }, headers));
    expect(before.status).toBe(409);
    expect(Number(before.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(runs.things).toBe(0);

    now += LOCK_MS + 1_000;
    const retries = await Promise.all(
      Array.from({ length: 10 }, () => app.request("/v1/things", post(key, { amount: 100 }, headers))),
    );
    expect(runs.things).toBe(1);
    expect(retries.filter((r) => r.status === 201 && !r.headers.get("idempotent-replayed"))).toHaveLength(1);
    const replay = await app.request("/v1/things", post(key, { amount: 100 }, headers));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(runs.things).toBe(1);
  }, 120_000); // starting a child under tsx is slow on a busy machine
}

describe("a process killed while holding a claim", () => {
  let db: TestDb;
  let redis: TestRedis;
  beforeAll(async () => {
    db = await createTestDb();
    redis = createTestRedis();
  });
  afterAll(async () => {
    await db.cleanup();
    await redis.cleanup();
  });

  describeKill("postgres", async () => ({
    store: createPostgresStore({ db: db.db }),
    args: (key) => ["postgres", db.url ?? "", "", key, String(LOCK_MS)],
  }));

  describeKill("redis", async () => ({
    store: createRedisStore({ redis: redis.connect(), prefix: redis.prefix }),
    args: (key) => ["redis", redis.url, redis.prefix, key, String(LOCK_MS)],
  }));
});
