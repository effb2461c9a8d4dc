/**
 * `pnpm bench`: the limiter against rate-limiter-flexible, in decisions/s and over HTTP, in one run,
 * printed as ratios.
 * BENCH_DURATION_S (default 2) sets each measurement's length, BENCH_ROUNDS (default 5) how many
 * interleaved rounds each median is taken over (the HTTP servers are started afresh every round);
 * TEST_REDIS_URL the Redis.
 */

import { defaultLoadTool, loadSetup } from "@org/bench";
import { benchDecisions } from "./decisions.js";
import { benchHttp } from "./http.js";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const durationS = Number(process.env.BENCH_DURATION_S ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

console.log(
  `@org/ratelimit bench: Redis ${redisUrl}, ${durationS} s per measurement, median of ${rounds} interleaved rounds (HTTP: fresh server processes every round), node ${process.version}\n`,
);

const only = process.env.BENCH_ONLY; // "decisions" or "http" to run one half

if (only !== "http") {
  console.log("1. decisions/s from one process, 256 in flight, every decision admitted");
  for (const r of await benchDecisions({ redisUrl, durationMs: durationS * 1000, rounds })) {
    console.log(
      `   ${r.scenario.padEnd(10)} ours ${fmt(r.ours).padStart(9)}/s   rate-limiter-flexible ${fmt(r.peer).padStart(9)}/s   ratio ${r.ratio.toFixed(2)}x (target >= 2x)`,
    );
  }
}

if (only !== "decisions") {
  console.log(
    `\n2. HTTP req/s, Hono on @hono/node-server at 127.0.0.1, -c 50 from another process (${loadSetup(defaultLoadTool())})`,
  );
  const http = await benchHttp({ redisUrl, durationS, rounds });
  for (const r of http) {
    const labels: Record<string, string> = {
      bare: "bare route",
      noop: "an empty async middleware",
      ours: "ratelimit(), each one in Redis",
      "ours-memory": "ratelimit() memory store",
      "ours-selfhosted": "ratelimit() 1000/s plan, flood",
      peer: "rate-limiter-flexible mw",
    };
    const lease = /^ours-lease(\d*)$/.exec(r.mode);
    const label = lease ? `ratelimit() + leases of ${lease[1] || 16}` : labels[r.mode]!;
    console.log(
      `   ${label.padEnd(31)} ${String(r.tenants).padStart(2)} tenant(s) ${fmt(r.rps).padStart(8)} req/s   (bare ${fmt(r.bareRps)})  ${r.ratio.toFixed(2)}x bare${r.mode.startsWith("ours") ? " (target >= 0.7x)" : "                 "}   server CPU ${r.cpuUs.toFixed(1)} us/req, ${r.cpuRatio.toFixed(2)}x bare's   non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
  }
}
