/** @module `/v1/products`, `/v1/prices` and the legacy `/v1/plans`. */
import {
  createPlan,
  createPrice,
  createProduct,
  planView,
  updatePrice,
  updateProduct,
} from "../billing/catalog.js";
import type { Core } from "../core.js";
import { invalidState } from "../errors.js";
import { filterCreated, paginate } from "../list.js";
import { arr, bool, obj, str } from "../params.js";
import { search } from "../search.js";
import type { FakePrice } from "../types.js";
import { type FakeApp, handle } from "./handle.js";

const filterPrices = (prices: FakePrice[], params: Parameters<typeof str>[0]) => {
  const active = bool(params, "active");
  const product = str(params, "product");
  const type = str(params, "type");
  const currency = str(params, "currency");
  const lookupKeys = arr(params, "lookup_keys")?.filter((k): k is string => typeof k === "string");
  const recurring = obj(params, "recurring");
  const interval = recurring ? str(recurring, "interval") : undefined;
  return prices.filter(
    (p) =>
      (active === undefined || p.active === active) &&
      (!product || p.product === product) &&
      (!type || p.type === type) &&
      (!currency || p.currency === currency) &&
      (!lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))) &&
      (!interval || p.recurring?.interval === interval),
  );
};

/**
 * Mount the catalogue routes.
 *
 * @example
 * registerCatalog(app, core);
 */
export function registerCatalog(app: FakeApp, core: Core): void {
  app.post(
    "/v1/products",
    handle(core, ({ params }) => createProduct(core, params)),
  );
  app.get(
    "/v1/products/search",
    handle(core, ({ params }) => search(core.store.all("product"), params, "/v1/products/search")),
  );
  app.get(
    "/v1/products",
    handle(core, ({ params }) => {
      const active = bool(params, "active");
      const items = core.store.all("product").filter((p) => active === undefined || p.active === active);
      return paginate(filterCreated(items, params), params, "/v1/products");
    }),
  );
  app.get(
    "/v1/products/:id",
    handle(core, ({ path }) => core.store.require("product", path.id as string)),
  );
  app.post(
    "/v1/products/:id",
    handle(core, ({ params, path }) =>
      updateProduct(core, core.store.require("product", path.id as string), params),
    ),
  );
  app.delete(
    "/v1/products/:id",
    handle(core, ({ path }) => {
      const product = core.store.require("product", path.id as string);
      if (core.store.all("price").some((p) => p.product === product.id)) {
        throw invalidState("This product cannot be deleted because it has one or more user-created prices.");
      }
      core.store.remove("product", product.id);
      core.events.emit("product.deleted", product);
      return { id: product.id, object: "product", deleted: true };
    }),
  );

  app.post(
    "/v1/prices",
    handle(core, ({ params }) => createPrice(core, params)),
  );
  app.get(
    "/v1/prices/search",
    handle(core, ({ params }) => search(core.store.all("price"), params, "/v1/prices/search")),
  );
  app.get(
    "/v1/prices",
    handle(core, ({ params }) =>
      paginate(filterCreated(filterPrices(core.store.all("price"), params), params), params, "/v1/prices"),
    ),
  );
  app.get(
    "/v1/prices/:id",
    handle(core, ({ path }) => core.store.require("price", path.id as string)),
  );
  app.post(
    "/v1/prices/:id",
    handle(core, ({ params, path }) =>
      updatePrice(core, core.store.require("price", path.id as string), params),
    ),
  );

  app.post(
    "/v1/plans",
    handle(core, ({ params }) => createPlan(core, params)),
  );
  app.get(
    "/v1/plans",
    handle(core, ({ params }) => {
      const plans = core.store
        .all("price")
        .filter((p) => p.recurring !== null)
        .map(planView);
      return paginate(plans, params, "/v1/plans");
    }),
  );
  app.get(
    "/v1/plans/:id",
    handle(core, ({ path }) => planView(core.store.require("price", path.id as string, "plan"))),
  );
  app.delete(
    "/v1/plans/:id",
    handle(core, ({ path }) => {
      const price = core.store.require("price", path.id as string);
      price.active = false;
      core.events.emit("plan.deleted", planView(price));
      return { id: price.id, object: "plan", deleted: true };
    }),
  );
}
