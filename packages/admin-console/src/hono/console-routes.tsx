/** @module The admin console's routes: login, logout, pages, replay; cookie session + CSRF. */
import { randomBytes } from "node:crypto";
import { listEvents, queueStats } from "@org/billing";
import type { Database } from "@org/db";
import { ProblemError } from "@org/problem/hono";
import { invalidInput } from "@org/server-kit/hono";
import type { UsageMetering } from "@org/usage-metering";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { dailyUsage, replayEvents, tenantDetail, tenantOverviews } from "../queries.js";
import { type ConsoleSession, type ConsoleSessions, createConsoleSessions } from "../session.js";
import { EventsPage, LoginPage, TenantPage, TenantsPage } from "./pages.js";

/**
 * Options of {@link adminConsole}.
 *
 * @example
 * adminConsole({ db, metering, adminToken: env.ADMIN_TOKEN });
 */
export interface AdminConsoleOptions {
  db: Database;
  metering: UsageMetering;
  /** At least 32 characters. */
  adminToken: string;
  /** Session lifetime. Default 8 hours. */
  sessionTtlMs?: number;
  /** Epoch milliseconds (session expiry, the chart's window). Default `Date.now`. */
  clock?: () => number;
}

export const SESSION_COOKIE = "admin_console_session";
export const LOGIN_COOKIE = "admin_console_login";
const COOKIE_PATH = "/admin";
const CHART_DAYS = 30;

const loginForm = z.object({ token: z.string().max(1000), csrf: z.string().max(200) });
const csrfForm = z.object({ csrf: z.string().max(200).optional() });
const eventsQuery = z.object({
  status: z.enum(["pending", "processing", "processed", "failed", "dead"]).optional(),
});
const backQuery = z.object({
  back: z.enum(["/admin/console/webhook-events", "/admin/console/dead-letters"]).optional(),
});
const eventId = z.string().min(1).max(255);

type ConsoleEnv = { Variables: { consoleSession: ConsoleSession; nonce: string } };

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}

// Secure whenever the browser reached us over https (directly or through a TLS-terminating proxy);
// a forged X-Forwarded-Proto can only make the cookie stricter.
const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

const cookieOptions = (c: Context, maxAgeSeconds: number) =>
  ({
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: maxAgeSeconds,
  }) as const;

/** No script at all, styles only from the page's own nonce, forms only to this origin. */
const contentSecurityPolicy = (nonce: string) =>
  [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");

const frame = createMiddleware<ConsoleEnv>(async function consoleFrame(c, next) {
  const nonce = randomBytes(16).toString("base64");
  c.set("nonce", nonce);
  await next();
  c.header("Content-Security-Policy", contentSecurityPolicy(nonce));
  c.header("Cache-Control", "no-store");
});

/** Pages send a browser without a session to the login form; form posts answer 401 problem+json. */
const requireSession = (sessions: ConsoleSessions) =>
  createMiddleware<ConsoleEnv>(async function consoleSession(c, next) {
    const session = sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === "GET") return c.redirect("/admin/login", 303);
      throw new ProblemError("unauthorized", { detail: "Log in to the admin console first." });
    }
    c.set("consoleSession", session);
    await next();
  });

/** Every console POST carries the session's CSRF token in its form. */
const requireCsrf = (sessions: ConsoleSessions) =>
  createMiddleware<ConsoleEnv>(async function consoleCsrf(c, next) {
    const form = parse(csrfForm, Object.fromEntries(Object.entries(await c.req.parseBody())));
    if (!sessions.csrfMatches(form.csrf, sessions.csrfFor(c.get("consoleSession"))))
      throw new ProblemError("csrf_failed");
    await next();
  });

type ConsoleApp = Hono<ConsoleEnv>;

/** What the console's pages read, built once per {@link adminConsole} call. */
interface ConsolePageDeps {
  db: Database;
  metering: UsageMetering;
  clock: () => number;
  /** The CSRF token of the request's session, for the page's forms. */
  csrfOf: (c: Context<ConsoleEnv>) => string;
}

/**
 * The frame (nonce, CSP, no-store) on every console path, the session on the console and logout,
 * and the CSRF check on their posts. Registered before any handler so that they run first.
 */
function registerGuards(app: ConsoleApp, sessions: ConsoleSessions) {
  // "/admin/console/*" matches "/admin/console" too: each middleware is registered once per request path.
  for (const path of ["/admin", "/admin/login", "/admin/logout", "/admin/console/*"]) app.use(path, frame);
  app.use("/admin/console/*", requireSession(sessions));
  app.use("/admin/logout", requireSession(sessions));
  app.post("/admin/console/*", requireCsrf(sessions));
  app.post("/admin/logout", requireCsrf(sessions));
}

/** `GET /admin`, `GET|POST /admin/login`, `POST /admin/logout`. */
function registerLoginRoutes(app: ConsoleApp, sessions: ConsoleSessions) {
  app.get("/admin", (c) => c.redirect("/admin/console", 303));

  app.get("/admin/login", (c) => {
    const nonce = sessions.loginNonce();
    setCookie(c, LOGIN_COOKIE, nonce, cookieOptions(c, 3600));
    return c.html(<LoginPage nonce={c.get("nonce")} csrf={sessions.loginCsrfFor(nonce)} />);
  });

  app.post("/admin/login", async (c) => {
    const form = parse(loginForm, await c.req.parseBody());
    const loginNonce = getCookie(c, LOGIN_COOKIE);
    if (!loginNonce || !sessions.csrfMatches(form.csrf, sessions.loginCsrfFor(loginNonce)))
      throw new ProblemError("csrf_failed");
    if (!sessions.checkToken(form.token)) {
      return c.html(<LoginPage nonce={c.get("nonce")} csrf={form.csrf} failed />, 401);
    }
    const { cookie } = sessions.issue();
    deleteCookie(c, LOGIN_COOKIE, { path: COOKIE_PATH });
    setCookie(c, SESSION_COOKIE, cookie, cookieOptions(c, Math.floor(sessions.ttlMs / 1000)));
    return c.redirect("/admin/console", 303);
  });

  app.post("/admin/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: isHttps(c) });
    return c.redirect("/admin/login", 303);
  });
}

/** `GET /admin/console` (tenants), `GET /admin/console/tenants/:id`. */
function registerTenantPages(app: ConsoleApp, { db, metering, clock, csrfOf }: ConsolePageDeps) {
  app.get("/admin/console", async (c) => {
    const tenants = await tenantOverviews({ db, metering }, 200);
    const meters = metering.meters.list.map((m) => m.key);
    return c.html(<TenantsPage nonce={c.get("nonce")} csrf={csrfOf(c)} tenants={tenants} meters={meters} />);
  });

  app.get("/admin/console/tenants/:id", async (c) => {
    const detail = await tenantDetail(db, parse(eventId, c.req.param("id")));
    if (!detail) throw new ProblemError("tenant_not_found");
    const usage = await dailyUsage(metering, detail.tenant.id, clock(), CHART_DAYS);
    return c.html(<TenantPage nonce={c.get("nonce")} csrf={csrfOf(c)} detail={detail} usage={usage} />);
  });
}

/** `GET /admin/console/webhook-events?status=`, `GET /admin/console/dead-letters`. */
function registerEventPages(app: ConsoleApp, { db, csrfOf }: ConsolePageDeps) {
  const eventsPage = async (c: Context<ConsoleEnv>, status: z.infer<typeof eventsQuery>["status"]) => {
    const [{ page }, stats] = await Promise.all([listEvents(db, { status, limit: 100 }), queueStats(db)]);
    return c.html(
      <EventsPage
        nonce={c.get("nonce")}
        csrf={csrfOf(c)}
        events={page}
        status={status}
        deadLetters={status === "dead"}
        counts={stats.byStatus}
      />,
    );
  };
  app.get("/admin/console/webhook-events", (c) => eventsPage(c, parse(eventsQuery, c.req.query()).status));
  app.get("/admin/console/dead-letters", (c) => eventsPage(c, "dead"));
}

/** `POST /admin/console/webhook-events/replay-dead`, `POST /admin/console/webhook-events/:id/replay`. */
function registerReplayRoutes(app: ConsoleApp, db: Database) {
  app.post("/admin/console/webhook-events/replay-dead", async (c) => {
    const { back } = parse(backQuery, c.req.query());
    await replayEvents(db, { status: "dead" }, "admin-console");
    return c.redirect(back ?? "/admin/console/webhook-events", 303);
  });

  app.post("/admin/console/webhook-events/:id/replay", async (c) => {
    const id = parse(eventId, c.req.param("id"));
    const { back } = parse(backQuery, c.req.query());
    const replayed = await replayEvents(db, { id }, "admin-console");
    if (replayed.length === 0)
      throw new ProblemError("webhook_event_not_found", {
        detail: `No event ${id} that can be replayed now (unknown, or a worker holds it).`,
      });
    return c.redirect(back ?? "/admin/console/webhook-events", 303);
  });
}

/**
 * The admin console under `/admin` (paths chosen not to collide with the JSON admin routes):
 * `GET /admin` (to the tenants page), `GET|POST /admin/login`, `POST /admin/logout`,
 * `GET /admin/console` (tenants), `GET /admin/console/tenants/:id`,
 * `GET /admin/console/webhook-events?status=`, `GET /admin/console/dead-letters`,
 * `POST /admin/console/webhook-events/:id/replay`, `POST /admin/console/webhook-events/replay-dead`.
 *
 * @throws {Error} at creation when the admin token is shorter than 32 characters
 * @example
 * app.route("/", adminConsole({ db, metering, adminToken: env.ADMIN_TOKEN }));
 */
export function adminConsole(options: AdminConsoleOptions): Hono<ConsoleEnv> {
  const { db, metering, clock = Date.now } = options;
  const sessions = createConsoleSessions({
    adminToken: options.adminToken,
    ttlMs: options.sessionTtlMs,
    clock,
  });
  const app = new Hono<ConsoleEnv>();
  const csrfOf = (c: Context<ConsoleEnv>) => sessions.csrfFor(c.get("consoleSession"));
  const pageDeps: ConsolePageDeps = { db, metering, clock, csrfOf };
  registerGuards(app, sessions);
  registerLoginRoutes(app, sessions);
  registerTenantPages(app, pageDeps);
  registerEventPages(app, pageDeps);
  registerReplayRoutes(app, db);
  return app;
}
