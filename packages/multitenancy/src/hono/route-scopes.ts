/** @module routeScopes(): every route declares the scope it needs in one table, enforced per request. */
import { ProblemError } from "@org/problem/hono";
import type { Env, Hono, MiddlewareHandler, Schema } from "hono";
import { inspectRoutes } from "hono/dev";
import { matchedRoutes } from "hono/route";
import { hasScope, type Scope } from "../scopes.js";
import type { TenantEnv } from "./variables.js";

/**
 * What a route needs: a scope of the caller's key or token, nothing (`public`: health, signup,
 * docs) or the admin token (`admin`, checked by the admin routes themselves).
 *
 * @example
 * const access: RouteAccess = "usage:write";
 */
export type RouteAccess = Scope | "public" | "admin";

/**
 * Every route of an app, `"<METHOD> <path as registered>"`, mapped to what it needs.
 *
 * @example
 * const table: RouteAccessTable = { "GET /v1/usage": "usage:read", "GET /health": "public" };
 */
export type RouteAccessTable = Readonly<Record<string, RouteAccess>>;

/**
 * The table key of a route.
 *
 * @example
 * routeKey("DELETE", "/v1/api-keys/:id"); // "DELETE /v1/api-keys/:id"
 */
export const routeKey = (method: string, path: string): string => `${method} ${path}`;

/**
 * The endpoints of `app` (middleware excluded) that `table` does not declare. Call it once the app
 * is built: a route added without a declared scope then stops the service from starting.
 *
 * @example
 * const missing = undeclaredRoutes(app, ROUTE_ACCESS); // ["GET /v1/new-thing"]
 */
export function undeclaredRoutes<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  table: RouteAccessTable,
): string[] {
  const missing = inspectRoutes(app as unknown as Hono)
    .filter((route) => !route.isMiddleware && !(routeKey(route.method, route.path) in table))
    .map((route) => routeKey(route.method, route.path));
  return [...new Set(missing)];
}

/**
 * Throws when `app` has an endpoint that `table` does not declare.
 *
 * @throws {Error} naming every undeclared route
 * @example
 * assertRoutesDeclared(app, ROUTE_ACCESS);
 */
export function assertRoutesDeclared<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  table: RouteAccessTable,
): void {
  const missing = undeclaredRoutes(app, table);
  if (missing.length > 0) {
    throw new Error(
      `Routes without a declared scope (add them to the route access table): ${missing.join(", ")}`,
    );
  }
}

/**
 * Refuses (403 `insufficient_scope`, with an RFC 6750 `WWW-Authenticate` naming the scope) a caller
 * whose key or token lacks the scope `table` declares for the matched route. Mount after
 * {@link tenant}; routes declared `public` or `admin` pass through.
 *
 * @example
 * app.use("/v1/*", tenant({ db, cache, apiKeys }));
 * app.use("/v1/*", routeScopes({ "GET /v1/tenant": "tenant:read" }));
 */
export const routeScopes = (table: RouteAccessTable): MiddlewareHandler<TenantEnv> => {
  // Router entries are the same objects on every request: each is looked up in the table once.
  const accessByRoute = new WeakMap<object, RouteAccess | null>();
  const accessOf = (routes: ReturnType<typeof matchedRoutes>): RouteAccess | undefined => {
    // The endpoint is matched after the middleware, so the last declared entry is the route's.
    for (let i = routes.length - 1; i >= 0; i--) {
      const route = routes[i]!;
      let access = accessByRoute.get(route);
      if (access === undefined) {
        access = table[routeKey(route.method, route.path)] ?? null;
        accessByRoute.set(route, access);
      }
      if (access) return access;
    }
    return undefined;
  };
  return function routeScopes(c, next) {
    const access = accessOf(matchedRoutes(c));
    if (access === undefined || access === "public" || access === "admin") return next();
    if (!hasScope(c.get("auth")?.scopes ?? [], access)) {
      throw new ProblemError("insufficient_scope", {
        detail: `This credential lacks the scope "${access}".`,
        headers: { "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${access}"` },
      });
    }
    return next();
  };
};
