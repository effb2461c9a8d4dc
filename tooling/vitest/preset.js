/** @module The shared vitest preset: every package's vitest.config.ts spreads it. */
import { defineConfig, mergeConfig } from "vitest/config";

const common = {
  exclude: ["**/node_modules/**", "**/dist/**"],
  // Forks give every test file its own process: isolated module state and honest kill tests.
  pool: "forks",
  // Generous: PGlite boots a WASM Postgres, slow when the two cores are shared with other suites.
  testTimeout: 90_000,
  hookTimeout: 120_000,
  teardownTimeout: 30_000,
  // Two cores here; files that each open a database should not all start at once.
  poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  // Never retried, in CI or locally: a retry hides a flaky concurrency failure. A test that is
  // flaky on two shared cores is fixed (wait for a condition, inject the clock), not retried.
  retry: 0,
};

const base = defineConfig({
  test: {
    ...common,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Chaos suites (`*.chaos.test.ts`) run here too, shortened: they read CHAOS_SCALE (unset -> short).
  },
});

/**
 * Build a package's vitest config from the shared preset.
 * @param {import("vitest/config").UserConfig} [overrides]
 * @returns {import("vitest/config").UserConfig}
 */
export function vitestConfig(overrides = {}) {
  return mergeConfig(base, overrides);
}

/** The chaos suites: `*.chaos.test.ts`, run by `pnpm test:chaos` (long) and in CI (shortened). */
export function chaosConfig(overrides = {}) {
  // Built from the common options, not merged onto `base`: mergeConfig concatenates `include`
  // arrays, which would run every suite instead of only the chaos ones.
  return mergeConfig(
    defineConfig({
      test: {
        ...common,
        include: ["src/**/*.chaos.test.ts", "test/**/*.chaos.test.ts"],
        testTimeout: 900_000,
      },
    }),
    overrides,
  );
}

/**
 * How long chaos suites run: "full" under `pnpm test:chaos` (CHAOS_SCALE=full), "short" otherwise.
 * @returns {"full" | "short"}
 */
export function chaosScale() {
  return process.env.CHAOS_SCALE === "full" ? "full" : "short";
}
