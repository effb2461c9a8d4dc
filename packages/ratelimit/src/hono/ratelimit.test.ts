import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { problemErrorHandler } from "@org/problem/hono";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { type Item, parseItem, parseList } from "structured-headers";
import { afterAll, describe, expect, it } from "vitest";
import { createRateLimiter } from "../limiter.js";
import { createMemoryStore } from "../memory-store.js";
import { createPolicy } from "../policy.js";
import { ratelimit } from "./ratelimit.js";

const plans = {
  free: [createPolicy({ name: "free", rate: 10, periodMs: 1_000, burst: 20 })],
  pro: [
    createPolicy({ name: "pro", rate: 100, periodMs: 1_000, burst: 200 }),
    createPolicy({ name: "pro-minute", rate: 3_000, periodMs: 60_000, burst: 3_000 }),
  ],
};

function app() {
  const now = { ms: 0 };
  const limiter = createRateLimiter({
    store: createMemoryStore({ clock: () => now.ms }),
    clock: () => now.ms,
  });
  const a = new Hono();
  a.use(requestId());
  const mw = {
    limiter,
    key: (c: { req: { header(n: string): string | undefined } }) => c.req.header("x-tenant"),
    policies: (c: { req: { header(n: string): string | undefined } }) =>
      c.req.header("x-plan") === "pro" ? plans.pro : plans.free,
  };
  a.use("/v1/*", ratelimit(mw));
  a.get("/v1/thing", (c) => c.json({ ok: true }));
  a.get("/v1/raw", () => new Response("raw"));
  a.get("/v1/boom", () => {
    throw new Error("boom");
  });
  a.post("/v1/expensive", ratelimit({ ...mw, cost: 5 }), (c) => c.json({ ok: true }));
  a.onError(problemErrorHandler());
  return { a, now };
}

/**
 * How a request reaches the app: `app.request()` (headers set on the fetch Response), or a real
 * socket through @hono/node-server (headers set on Node's ServerResponse; see withResponseHeaders()).
 */
type Transport = (a: Hono, path: string, init?: RequestInit) => Promise<Response>;
const servers = new Map<Hono, ServerType>();
afterAll(async () => {
  for (const server of servers.values()) await new Promise((r) => server.close(r));
});
const transports: Record<string, Transport> = {
  "app.request()": async (a, path, init) => a.request(path, init),
  "node-server socket": async (a, path, init) => {
    let server = servers.get(a);
    if (!server) {
      server = serve({ fetch: a.fetch, port: 0, hostname: "127.0.0.1" });
      servers.set(a, server);
      if (!server.listening) await new Promise((r) => server!.once("listening", r));
    }
    const { port } = server.address() as AddressInfo;
    return fetch(`http://127.0.0.1:${port}${path}`, init);
  },
};

/** Parses both headers with a structured-field parser into { name: params }. */
function parsed(res: Response) {
  const toMap = (list: ReturnType<typeof parseList>) =>
    Object.fromEntries(
      list.map((member) => {
        const [value, params] = member as Item;
        expect(typeof value).toBe("string"); // an sf-string, not a token
        return [value as string, Object.fromEntries(params)];
      }),
    );
  return {
    policy: toMap(parseList(res.headers.get("RateLimit-Policy")!)),
    state: toMap(parseList(res.headers.get("RateLimit")!)),
  };
}

describe.each(Object.keys(transports))("ratelimit() middleware through %s", (transport) => {
  const send = transports[transport]!;
  const get = (a: Hono, path: string, tenant: string, plan = "free", method = "GET") =>
    send(a, path, { method, headers: { "x-tenant": tenant, "x-plan": plan } });

  it("puts RateLimit-Policy and RateLimit structured fields on every response", async () => {
    const { a } = app();
    const res = await get(a, "/v1/thing", "acme");
    expect(res.status).toBe(200);
    expect(parsed(res)).toEqual({ policy: { free: { q: 20, w: 2 } }, state: { free: { r: 19, t: 1 } } });
    for (const path of ["/v1/raw", "/v1/boom"]) {
      const r = await get(a, path, "acme");
      expect(parsed(r).state.free).toBeDefined();
    }
  });

  it("refuses with 429 problem+json rate_limited, Retry-After and the headers", async () => {
    const { a } = app();
    for (let i = 0; i < 20; i++) expect((await get(a, "/v1/thing", "acme")).status).toBe(200);
    const res = await send(a, "/v1/thing", { headers: { "x-tenant": "acme", "x-request-id": "req_9" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = parseItem(res.headers.get("Retry-After")!)[0];
    expect(retryAfter).toBe(1);
    expect(parsed(res).state).toEqual({ free: { r: 0, t: 2 } });
    expect(await res.json()).toMatchObject({
      type: "https://docs.metered.dev/errors/rate_limited",
      code: "rate_limited",
      status: 429,
      policy: "free",
      requestId: "req_9",
    });
  });

  it("checks several policies: the strictest decides and all are reported", async () => {
    const { a, now } = app();
    for (let i = 0; i < 200; i++) await get(a, "/v1/thing", "big", "pro");
    const refused = await get(a, "/v1/thing", "big", "pro");
    expect(refused.status).toBe(429);
    const { policy, state } = parsed(refused);
    expect(policy).toEqual({ pro: { q: 200, w: 2 }, "pro-minute": { q: 3000, w: 60 } });
    expect(state.pro).toEqual({ r: 0, t: 2 });
    expect(state["pro-minute"]).toEqual({ r: 2800, t: 4 });
    now.ms += 10_000; // the per-second policy is full again; the minute one has 1000 more units
    const ok = await get(a, "/v1/thing", "big", "pro");
    expect(ok.status).toBe(200);
    expect(parsed(ok).state.pro!.r).toBe(199);
  });

  it("keeps tenants independent", async () => {
    const { a } = app();
    for (let i = 0; i < 25; i++) await get(a, "/v1/thing", "noisy");
    expect((await get(a, "/v1/thing", "noisy")).status).toBe(429);
    const quiet = await get(a, "/v1/thing", "quiet");
    expect(quiet.status).toBe(200);
    expect(parsed(quiet).state.free!.r).toBe(19);
  });

  it("charges a route's cost", async () => {
    const { a } = app();
    const res = await get(a, "/v1/expensive", "acme", "free", "POST");
    expect(res.status).toBe(200);
    // The global middleware charged 1, the route's own 5 more.
    expect(parsed(res).state.free!.r).toBe(14);
  });

  it("answers an empty key 400 problem+json bad_request: never limited as one shared caller, never let through", async () => {
    const { a } = app();
    const res = await send(a, "/v1/thing", { headers: { "x-tenant": "", "x-request-id": "req_e" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "bad_request", status: 400, requestId: "req_e" });
  });

  it("leaves requests without a key alone", async () => {
    const { a } = app();
    const res = await send(a, "/v1/thing");
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit")).toBeNull();
  });
});
