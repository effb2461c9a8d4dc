import { Writable } from "node:stream";
import { createLogger } from "@org/server-kit";
import { checkAnswers, createTestDb, type TestDb } from "@org/testing";
import { createApp } from "../src/app.js";
import { buildDeps, type Deps } from "../src/deps.js";
import { parseEnv } from "../src/env.js";

export const INITIAL_KEY = "initial_key_for_tests_0123456789abcdef";

export interface TestApi {
  t: TestDb;
  deps: Deps;
  app: ReturnType<typeof createApp>;
  auth: Record<string, string>;
  close(): Promise<void>;
}

/** The api on a fresh database (Postgres when reachable), memory stores, the given env. */
export async function createTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const t = await createTestDb();
  const parsed = parseEnv({
    ...(t.url ? { DATABASE_URL: t.url } : {}),
    INITIAL_API_KEY: INITIAL_KEY,
    LOG_LEVEL: "silent",
    ...env,
  });
  const logger = createLogger({
    service: "api",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const deps = await buildDeps(parsed, logger);
  const app = createApp({ ...deps, adminToken: parsed.ADMIN_TOKEN, metricsToken: parsed.METRICS_TOKEN });
  const answers = checkAnswers(app);
  return {
    t,
    deps,
    app,
    auth: { Authorization: `Bearer ${INITIAL_KEY}` },
    async close() {
      await deps.close();
      await t.cleanup();
      answers.assertNone();
    },
  };
}
