/** @module `/v1/subscriptions`, `/v1/subscription_items` and `/v1/subscription_schedules`. */
import { cancelSchedule, createSchedule, releaseSchedule, updateSchedule } from "../billing/schedules.js";
import {
  cancelSubscription,
  createSubscription,
  resumeSubscription,
  updateSubscription,
} from "../billing/subscriptions.js";
import type { Core } from "../core.js";
import { filterCreated, paginate } from "../list.js";
import { bool, requireStr, str } from "../params.js";
import { search } from "../search.js";
import { type FakeApp, handle } from "./handle.js";

/**
 * Mount the subscription and schedule routes.
 *
 * @example
 * registerSubscriptions(app, core);
 */
export function registerSubscriptions(app: FakeApp, core: Core): void {
  const sub = (id: string) => core.store.require("subscription", id);
  app.post(
    "/v1/subscriptions",
    handle(core, ({ params }) => createSubscription(core, params)),
  );
  app.get(
    "/v1/subscriptions/search",
    handle(core, ({ params }) => search(core.store.all("subscription"), params, "/v1/subscriptions/search")),
  );
  app.get(
    "/v1/subscriptions",
    handle(core, ({ params }) => {
      const status = str(params, "status");
      const customer = str(params, "customer");
      const price = str(params, "price");
      // Without `status`, Stripe lists every subscription that is not canceled.
      const items = core.store
        .all("subscription")
        .filter((s) => (status === "all" ? true : status ? s.status === status : s.status !== "canceled"))
        .filter((s) => !customer || s.customer === customer)
        .filter((s) => !price || s.items.data.some((i) => i.price.id === price));
      return paginate(filterCreated(items, params), params, "/v1/subscriptions");
    }),
  );
  app.get(
    "/v1/subscriptions/:id",
    handle(core, ({ path }) => sub(path.id as string)),
  );
  app.post(
    "/v1/subscriptions/:id",
    handle(core, ({ params, path }) => updateSubscription(core, sub(path.id as string), params)),
  );
  app.delete(
    "/v1/subscriptions/:id",
    handle(core, ({ params, path }) =>
      cancelSubscription(core, sub(path.id as string), "cancellation_requested", {
        invoiceNow: bool(params, "invoice_now") ?? false,
        prorate: bool(params, "prorate") ?? false,
      }),
    ),
  );
  app.post(
    "/v1/subscriptions/:id/resume",
    handle(core, ({ params, path }) => resumeSubscription(core, sub(path.id as string), params)),
  );
  app.get(
    "/v1/subscription_items",
    handle(core, ({ params }) => {
      const s = sub(requireStr(params, "subscription"));
      return paginate([...s.items.data].reverse(), params, "/v1/subscription_items");
    }),
  );
  app.get(
    "/v1/subscription_items/:id",
    handle(core, ({ path }) => core.store.require("subscription_item", path.id as string)),
  );

  const schedule = (id: string) => core.store.require("subscription_schedule", id);
  app.post(
    "/v1/subscription_schedules",
    handle(core, ({ params }) => createSchedule(core, params)),
  );
  app.get(
    "/v1/subscription_schedules",
    handle(core, ({ params }) => {
      const customer = str(params, "customer");
      const items = core.store
        .all("subscription_schedule")
        .filter((s) => !customer || s.customer === customer);
      return paginate(filterCreated(items, params), params, "/v1/subscription_schedules");
    }),
  );
  app.get(
    "/v1/subscription_schedules/:id",
    handle(core, ({ path }) => schedule(path.id as string)),
  );
  app.post(
    "/v1/subscription_schedules/:id",
    handle(core, ({ params, path }) => updateSchedule(core, schedule(path.id as string), params)),
  );
  app.post(
    "/v1/subscription_schedules/:id/release",
    handle(core, ({ path }) => releaseSchedule(core, schedule(path.id as string))),
  );
  app.post(
    "/v1/subscription_schedules/:id/cancel",
    handle(core, ({ path }) => cancelSchedule(core, schedule(path.id as string))),
  );
}
