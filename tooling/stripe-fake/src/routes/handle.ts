/** @module Glue between Hono and the engine: parameters in, expanded Stripe JSON out. */
import type { Context, Hono } from "hono";
import { routePath } from "hono/route";
import { unknownParamError } from "../accepted-params.js";
import type { Core } from "../core.js";
import { expandObject } from "../expand.js";
import type { Params } from "../form.js";
import type { FakeEnv } from "../http-env.js";
import { expandList } from "../params.js";
import { withRequest } from "../request-context.js";
import type { FakeSubscription } from "../types.js";

/** What a route handler receives. */
export interface RouteInput {
  core: Core;
  params: Params;
  /** Path parameters (`:id`). */
  path: Record<string, string>;
}

/** The fake's Hono app type. */
export type FakeApp = Hono<FakeEnv>;

const customerExtras = (core: Core) => (node: Record<string, unknown>, field: string) => {
  if (node.object === "customer" && field === "subscriptions") {
    const data = core.store
      .all("subscription")
      .filter((s: FakeSubscription) => s.customer === node.id && s.status !== "canceled");
    return { object: "list", data, has_more: false, url: `/v1/customers/${String(node.id)}/subscriptions` };
  }
  if (node.object === "customer" && field === "sources") {
    const data = core.store.all("card").filter((s) => s.customer === node.id);
    return { object: "list", data, has_more: false, url: `/v1/customers/${String(node.id)}/sources` };
  }
  return undefined;
};

/**
 * Wrap an engine call as a Hono handler: refuses parameters Stripe does not document for the route
 * (`parameter_unknown`), runs it as part of the request (events name it), applies `expand[]`,
 * answers JSON.
 *
 * @example
 * app.post("/v1/customers", handle(core, ({ core, params }) => createCustomer(core, params)));
 */
export function handle(core: Core, fn: (input: RouteInput) => object) {
  return (c: Context<FakeEnv>) => {
    const params = c.get("params");
    const unknown = unknownParamError(`${c.req.method} ${routePath(c)}`, params);
    if (unknown) throw unknown;
    const result = withRequest(
      { requestId: c.get("requestId"), idempotencyKey: c.req.header("idempotency-key") ?? null },
      () => fn({ core, params, path: c.req.param() as Record<string, string> }),
    );
    return c.json(expandObject(core.store, result, expandList(params), customerExtras(core)));
  };
}
