/** @module `/v1/customers`: CRUD, list, search, payment methods and sources of a customer. */
import { createCustomer, updateCustomer } from "../billing/customers.js";
import { addSource } from "../billing/payment-methods.js";
import { cancelSubscription } from "../billing/subscriptions.js";
import type { Core } from "../core.js";
import { resourceMissing } from "../errors.js";
import { filterCreated, paginate } from "../list.js";
import { requireStr, str } from "../params.js";
import { search } from "../search.js";
import { type FakeApp, handle } from "./handle.js";

const liveCustomer = (core: Core, id: string) => {
  const customer = core.store.get("customer", id);
  if (!customer) throw resourceMissing("customer", id);
  return customer;
};

/**
 * Mount the customer routes.
 *
 * @example
 * registerCustomers(app, core);
 */
export function registerCustomers(app: FakeApp, core: Core): void {
  app.post(
    "/v1/customers",
    handle(core, ({ params }) => createCustomer(core, params)),
  );
  app.get(
    "/v1/customers/search",
    handle(core, ({ params }) => search(core.store.all("customer"), params, "/v1/customers/search")),
  );
  app.get(
    "/v1/customers",
    handle(core, ({ params }) => {
      const email = str(params, "email");
      const items = core.store.all("customer").filter((c) => !email || c.email === email);
      return paginate(filterCreated(items, params), params, "/v1/customers");
    }),
  );
  app.get(
    "/v1/customers/:id",
    handle(core, ({ path }) => {
      const id = path.id as string;
      if (core.store.wasDeleted(id) === "customer") return { id, object: "customer", deleted: true };
      return liveCustomer(core, id);
    }),
  );
  app.post(
    "/v1/customers/:id",
    handle(core, ({ params, path }) => updateCustomer(core, liveCustomer(core, path.id as string), params)),
  );
  app.delete(
    "/v1/customers/:id",
    handle(core, ({ path }) => {
      const customer = liveCustomer(core, path.id as string);
      // Deleting a customer cancels its subscriptions at once, as on Stripe.
      for (const sub of core.store.all("subscription")) {
        if (
          sub.customer === customer.id &&
          sub.status !== "canceled" &&
          sub.status !== "incomplete_expired"
        ) {
          cancelSubscription(core, sub);
        }
      }
      core.store.remove("customer", customer.id);
      core.events.emit("customer.deleted", customer);
      return { id: customer.id, object: "customer", deleted: true };
    }),
  );
  app.get(
    "/v1/customers/:id/payment_methods",
    handle(core, ({ params, path }) => {
      const customer = liveCustomer(core, path.id as string);
      const type = str(params, "type");
      const items = core.store
        .all("payment_method")
        .filter((pm) => pm.customer === customer.id && (!type || pm.type === type));
      return paginate(items, params, `/v1/customers/${customer.id}/payment_methods`);
    }),
  );
  app.post(
    "/v1/customers/:id/sources",
    handle(core, ({ params, path }) =>
      addSource(core, liveCustomer(core, path.id as string), requireStr(params, "source")),
    ),
  );
  app.get(
    "/v1/customers/:id/sources",
    handle(core, ({ params, path }) => {
      const customer = liveCustomer(core, path.id as string);
      return paginate(
        core.store.all("card").filter((s) => s.customer === customer.id),
        params,
        `/v1/customers/${customer.id}/sources`,
      );
    }),
  );
}
