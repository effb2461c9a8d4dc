import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultLoadTool, httpLoad, type LoadTool } from "./http-load.js";

/** Records what arrives; answers 201, or 404 for path /missing. */
let server: Server;
let url: string;
const received: { path: string; method: string; key: string | undefined; body: string }[] = [];
/** What reached `path`: each test loads its own path, so stragglers of an earlier test do not count. */
const seenAt = (path: string) => received.filter((r) => r.path === path);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        method: req.method ?? "",
        key: req.headers["x-key"] as string | undefined,
        body,
      });
      res.writeHead(req.url?.startsWith("/missing") ? 404 : 201, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// autocannon always; wrk where it is installed (a Debian package, not an npm one).
const wrkPresent = process.env.BENCH_LOAD === undefined && defaultLoadTool() === "wrk";
const tools: LoadTool[] = wrkPresent ? ["autocannon", "wrk"] : ["autocannon"];

describe.each(tools)("httpLoad with %s", (tool) => {
  it("sends the method, headers and body, counting every answer", async () => {
    const r = await httpLoad({
      url: `${url}/fixed-${tool}`,
      method: "POST",
      headers: { "x-key": "fixed" },
      body: '{"a":1}',
      connections: 4,
      durationS: 1,
      tool,
    });
    expect(r.tool).toBe(tool);
    expect(r.requests).toBeGreaterThan(10);
    // Requests still in flight when the clock stops are not counted: at most one per connection.
    const seen = seenAt(`/fixed-${tool}`);
    expect(seen.length - r.requests).toBeGreaterThanOrEqual(0);
    expect(seen.length - r.requests).toBeLessThanOrEqual(4);
    expect(r.rps).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    expect(r.non2xx).toBe(0);
    expect(new Set(seen.map((s) => `${s.method} ${s.key} ${s.body}`))).toEqual(
      new Set(['POST fixed {"a":1}']),
    );
  });

  it("replaces {{n}} by a fresh counter per request", async () => {
    await httpLoad({
      url: `${url}/counter-${tool}`,
      method: "POST",
      headers: { "x-key": "k-{{n}}" },
      body: '{"id":"e-{{n}}"}',
      connections: 4,
      durationS: 1,
      tool,
    });
    const seen = seenAt(`/counter-${tool}`);
    const keys = seen.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of seen) expect(s.body).toBe(`{"id":"e-${s.key!.slice(2)}"}`);
  });

  it("cycles the counter through a pool", async () => {
    await httpLoad({
      url: `${url}/pool-${tool}`,
      headers: { "x-key": "t{{n}}" },
      pool: 3,
      connections: 2,
      durationS: 1,
      tool,
    });
    expect(new Set(seenAt(`/pool-${tool}`).map((s) => s.key))).toEqual(new Set(["t0", "t1", "t2"]));
  });

  it("measures the server's CPU per request when given its pid", async () => {
    const r = await httpLoad({
      url: `${url}/cpu-${tool}`,
      connections: 2,
      durationS: 1,
      tool,
      serverPid: process.pid,
    });
    // The recording server runs in this process: it spent some CPU on every answer.
    expect(r.serverCpuUs).toBeGreaterThan(0);
    const none = await httpLoad({ url: `${url}/cpu-${tool}`, connections: 2, durationS: 1, tool });
    expect(none.serverCpuUs).toBeUndefined();
  });

  it("counts 4xx answers as non-2xx", async () => {
    const r = await httpLoad({ url: `${url}/missing-${tool}`, connections: 2, durationS: 1, tool });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.non2xx).toBe(r.requests);
  });
});
