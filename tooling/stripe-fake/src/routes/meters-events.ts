/** @module `/v1/billing/meters`, `/v1/billing/meter_events` and `/v1/events`. */
import { createMeter, recordMeterEvent } from "../billing/meters.js";
import { usageFor } from "../billing/usage.js";
import type { Core } from "../core.js";
import { filterCreated, paginate } from "../list.js";
import { arr, int, requireStr, str } from "../params.js";
import { type FakeApp, handle } from "./handle.js";

/**
 * Mount meter and event routes.
 *
 * @example
 * registerMetersAndEvents(app, core);
 */
export function registerMetersAndEvents(app: FakeApp, core: Core): void {
  app.post(
    "/v1/billing/meters",
    handle(core, ({ params }) => createMeter(core, params)),
  );
  app.get(
    "/v1/billing/meters",
    handle(core, ({ params }) => paginate(core.store.all("billing.meter"), params, "/v1/billing/meters")),
  );
  app.get(
    "/v1/billing/meters/:id",
    handle(core, ({ path }) => core.store.require("billing.meter", path.id as string)),
  );
  app.get(
    "/v1/billing/meters/:id/event_summaries",
    handle(core, ({ params, path }) => {
      const meter = core.store.require("billing.meter", path.id as string);
      const customer = requireStr(params, "customer");
      const start = int(params, "start_time") ?? 0;
      const end = int(params, "end_time") ?? core.clock.now() + 1;
      const summary = {
        id: `mtrusg_${meter.id.slice(4)}_${start}`,
        object: "billing.meter_event_summary",
        aggregated_value: usageFor(core, meter.id, customer, start, end),
        end_time: end,
        livemode: false,
        meter: meter.id,
        start_time: start,
      };
      return paginate([summary], params, `/v1/billing/meters/${meter.id}/event_summaries`);
    }),
  );
  app.post(
    "/v1/billing/meter_events",
    handle(core, ({ params }) => recordMeterEvent(core, params)),
  );

  app.get(
    "/v1/events",
    handle(core, ({ params }) => {
      const type = str(params, "type");
      const types = arr(params, "types")?.filter((t): t is string => typeof t === "string");
      const matchType = (t: string) => {
        if (types) return types.includes(t);
        if (!type) return true;
        return type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type;
      };
      const items = core.store.all("event").filter((e) => matchType(e.type));
      return paginate(filterCreated(items, params), params, "/v1/events");
    }),
  );
  app.get(
    "/v1/events/:id",
    handle(core, ({ path }) => core.store.require("event", path.id as string)),
  );
}
