/** @module httpLoad(): closed-loop HTTP load from wrk (when installed) or autocannon, one result shape. */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

export type LoadTool = "wrk" | "autocannon";

export interface HttpLoadOptions {
  url: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Values may contain `{{n}}`, replaced per request by the request's counter (see `pool`). */
  headers?: Record<string, string>;
  /** May contain `{{n}}` like the header values. */
  body?: string;
  /** The counter runs 0, 1, 2, ... or, with a pool, modulo the pool (repeated keys, tenants round robin). */
  pool?: number;
  /** Open connections, each sending its next request when the previous is answered. */
  connections?: number;
  durationS: number;
  /** Default: `BENCH_LOAD`, else wrk when it is installed, else autocannon. */
  tool?: LoadTool;
  /** The server's process id: its CPU time per request is measured too (Linux). */
  serverPid?: number;
}

export interface HttpLoadResult {
  tool: LoadTool;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers with a status of 400 or more. */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  errors: number;
  /**
   * CPU time (user + system) the server process spent per answered request, in microseconds, when
   * `serverPid` was given on Linux. Steadier than req/s on a shared machine: other load slows the
   * server down but barely changes the work it does per request.
   */
  serverCpuUs?: number;
}

const TOKEN = "{{n}}";
let wrkInstalled: boolean | undefined;

/**
 * The load generator in use: `BENCH_LOAD` (`wrk` or `autocannon`) if set, else wrk when installed.
 * wrk (C, one thread) takes a fraction of the CPU autocannon (JavaScript) needs per request, which
 * matters when it shares two cores with the server under test.
 */
export function defaultLoadTool(): LoadTool {
  const forced = process.env.BENCH_LOAD;
  if (forced === "wrk" || forced === "autocannon") return forced;
  wrkInstalled ??= !spawnSync("wrk", ["--version"], { stdio: "ignore" }).error;
  return wrkInstalled ? "wrk" : "autocannon";
}

/**
 * Loads `url` for `durationS` seconds with `connections` connections (default 50) and reports
 * throughput, latency percentiles and failures.
 *
 * @example
 * const r = await httpLoad({ url: "http://127.0.0.1:3000/v1/things", method: "POST",
 *   headers: { "idempotency-key": "run1-{{n}}" }, body: "{}", durationS: 5 });
 * console.log(r.tool, r.rps, r.p99Ms);
 */
export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const tool = options.tool ?? defaultLoadTool();
  const pid = options.serverPid;
  const before = pid === undefined ? undefined : cpuTicks(pid);
  const result = await (tool === "wrk" ? wrkLoad(options) : autocannonLoad(options));
  const after = pid === undefined ? undefined : cpuTicks(pid);
  if (before !== undefined && after !== undefined && result.requests > 0)
    result.serverCpuUs = ((after - before) * (1e6 / CLOCK_TICKS)) / result.requests;
  return result;
}

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const CLOCK_TICKS = 100;

/** User + system CPU time of a process so far, in clock ticks; undefined off Linux. */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

const fill = (template: string, n: string) =>
  template.includes(TOKEN) ? template.split(TOKEN).join(n) : template;

async function autocannonLoad(o: HttpLoadOptions): Promise<HttpLoadResult> {
  const headers = o.headers ?? {};
  const templated =
    (o.body?.includes(TOKEN) ?? false) || Object.values(headers).some((v) => v.includes(TOKEN));
  let n = 0;
  const result = await autocannon({
    url: o.url,
    method: o.method ?? "GET",
    connections: o.connections ?? 50,
    duration: o.durationS,
    headers,
    body: o.body,
    requests: templated
      ? [
          {
            setupRequest: (req) => {
              const i = String(o.pool ? n++ % o.pool : n++);
              const h: Record<string, string> = {};
              for (const [k, v] of Object.entries(headers)) h[k] = fill(v, i);
              return { ...req, headers: h, body: o.body === undefined ? undefined : fill(o.body, i) };
            },
          },
        ]
      : undefined,
  });
  return {
    tool: "autocannon",
    requests: result.requests.total,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** A Lua long string: no escaping needed as long as the closing bracket does not occur. */
function luaString(s: string): string {
  let eq = "=";
  while (s.includes(`]${eq}]`)) eq += "=";
  return `[${eq}[${s}]${eq}]`;
}

/** The wrk script: a fixed request when nothing varies (wrk then formats it once), else one per call. */
export function wrkScript(o: HttpLoadOptions): string {
  const headers = o.headers ?? {};
  const entries = Object.entries(headers)
    .map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`)
    .join(", ");
  const templated =
    (o.body?.includes(TOKEN) ?? false) || Object.values(headers).some((v) => v.includes(TOKEN));
  const lines = [
    `wrk.method = ${luaString(o.method ?? "GET")}`,
    o.body === undefined ? "" : `wrk.body = ${luaString(o.body)}`,
    `local headers = { ${entries} }`,
  ];
  if (templated) {
    lines.push(
      `local n, pool = 0, ${o.pool ?? 0}`,
      "request = function()",
      "  local i = n; n = n + 1",
      "  if pool > 0 then i = i % pool end",
      "  local s = tostring(i)",
      "  local h = {}",
      '  for k, v in pairs(headers) do h[k] = (v:gsub("{{n}}", s)) end',
      '  local b = wrk.body and (wrk.body:gsub("{{n}}", s)) or nil',
      "  return wrk.format(nil, nil, h, b)",
      "end",
    );
  } else {
    lines.push("for k, v in pairs(headers) do wrk.headers[k] = v end");
  }
  lines.push(
    "done = function(summary, latency, requests)",
    "  local e = summary.errors",
    '  io.write(string.format("\\n@@httpLoad %d %d %d %d %d %d\\n", summary.requests, summary.duration,',
    "    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))",
    "end",
  );
  return lines.filter(Boolean).join("\n");
}

async function wrkLoad(o: HttpLoadOptions): Promise<HttpLoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "http-load-"));
  try {
    const script = join(dir, "load.lua");
    await writeFile(script, wrkScript(o));
    const args = ["-t1", `-c${o.connections ?? 50}`, `-d${o.durationS}s`, "-s", script, o.url];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`wrk exited with ${code}: ${stderr || stdout}`)),
      );
    });
    const m = /@@httpLoad (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
    if (!m) throw new Error(`wrk printed no summary:\n${out}`);
    const [requests, durationUs, non2xx, errors, p50Us, p99Us] = m.slice(1).map(Number) as number[];
    return {
      tool: "wrk",
      requests: requests!,
      rps: requests! / (durationUs! / 1e6),
      p50Ms: p50Us! / 1000,
      p99Ms: p99Us! / 1000,
      non2xx: non2xx!,
      errors: errors!,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
