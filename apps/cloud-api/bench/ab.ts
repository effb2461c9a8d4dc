/**
 * Same-run A/B of cloud-api's `GET /v1/tenant`: this checkout against another one (a worktree of an
 * older commit, installed and built), both servers up at once on the same database, Redis and
 * tenant, measured in alternation. Prints the median per-round req/s ratio (this / other) and each
 * server's CPU time per request: on a noisy machine the evidence a change needs.
 * Run: pnpm --filter @org/cloud-api bench:ab <other checkout>   (BENCH_SECONDS=3, BENCH_ROUNDS=9)
 * e.g. git worktree add /tmp/base HEAD~3 && (cd /tmp/base && pnpm install && pnpm turbo run build)
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { interleave, pinToCpus } from "@org/bench";
import { startChildServer } from "@org/testing";
import { benchEnvironment, loadTenant, signUp } from "./setup.js";

const other = process.argv[2] ? resolve(process.argv[2]) : undefined;
const otherServer = other && join(other, "apps/cloud-api/bench/server.ts");
if (!otherServer || !existsSync(otherServer)) {
  console.error("usage: pnpm --filter @org/cloud-api bench:ab <path of another checkout, built>");
  process.exit(2);
}
const DURATION = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

pinToCpus(process.pid, "load");
const setup = await benchEnvironment();
const servers = {
  other: await startChildServer(otherServer, ["cloud"], setup.env),
  this: await startChildServer(fileURLToPath(new URL("./server.ts", import.meta.url)), ["cloud"], setup.env),
};
try {
  for (const s of Object.values(servers)) pinToCpus(s.child.pid!, "server");
  const secret = await signUp(servers.this.port);
  for (const s of Object.values(servers)) await loadTenant(s, secret, 1);
  const r = await interleave(
    {
      other: () => loadTenant(servers.other, secret, DURATION),
      this: () => loadTenant(servers.this, secret, DURATION),
    },
    ROUNDS,
  );
  for (const [name, x] of Object.entries(r)) {
    console.log(
      `${name.padEnd(6)} ${x.runs.map((run) => Math.round(run.rps)).join(" ")} req/s; server CPU ${x.runs
        .map((run) => run.serverCpuUs?.toFixed(1))
        .join(" ")} us/req; non-2xx ${x.non2xx}`,
    );
  }
  console.log(
    `this / other: median per-round ratio ${r.this.ratio.toFixed(3)}x req/s; median server CPU per request ` +
      `${r.other.serverCpuUs?.toFixed(1)} (other) vs ${r.this.serverCpuUs?.toFixed(1)} (this) us`,
  );
} finally {
  for (const s of Object.values(servers)) s.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await setup.close();
}
