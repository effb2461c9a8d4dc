/** @module `/v1/test_helpers/test_clocks`: Stripe's own clock API, mapped onto the fake's single timeline. */
import { advanceClock } from "../billing/clock-runner.js";
import type { Core } from "../core.js";
import { invalidParam } from "../errors.js";
import { newStripeId } from "../ids.js";
import { paginate } from "../list.js";
import { int, requireStr, str } from "../params.js";
import type { FakeTestClock } from "../types.js";
import { type FakeApp, handle } from "./handle.js";

// On Stripe each clock moves only its own customers; the fake has one timeline, so every clock
// shows the fake's time and advancing any of them advances everything.
const refresh = (core: Core, clock: FakeTestClock) => {
  clock.frozen_time = core.clock.now();
  return clock;
};

/**
 * Mount the test clock routes.
 *
 * @example
 * registerTestClocks(app, core);
 */
export function registerTestClocks(app: FakeApp, core: Core): void {
  const get = (id: string) => refresh(core, core.store.require("test_helpers.test_clock", id));
  app.post(
    "/v1/test_helpers/test_clocks",
    handle(core, ({ params }) => {
      const frozen = int(params, "frozen_time");
      if (frozen === undefined)
        throw invalidParam("frozen_time", "Missing required param: frozen_time.", "parameter_missing");
      if (frozen > core.clock.now()) advanceClock(core, (frozen - core.clock.now()) * 1000);
      const now = core.clock.now();
      const clock: FakeTestClock = {
        id: newStripeId("clock"),
        object: "test_helpers.test_clock",
        created: now,
        deletes_after: now + 30 * 86_400,
        frozen_time: now,
        livemode: false,
        name: str(params, "name") ?? null,
        status: "ready",
        status_details: {},
      };
      return core.store.put("test_helpers.test_clock", clock);
    }),
  );
  app.get(
    "/v1/test_helpers/test_clocks",
    handle(core, ({ params }) =>
      paginate(
        core.store.all("test_helpers.test_clock").map((c) => refresh(core, c)),
        params,
        "/v1/test_helpers/test_clocks",
      ),
    ),
  );
  app.get(
    "/v1/test_helpers/test_clocks/:id",
    handle(core, ({ path }) => get(path.id as string)),
  );
  app.post(
    "/v1/test_helpers/test_clocks/:id/advance",
    handle(core, ({ params, path }) => {
      const clock = get(path.id as string);
      const target = Number(requireStr(params, "frozen_time"));
      if (!Number.isInteger(target) || target < core.clock.now()) {
        throw invalidParam(
          "frozen_time",
          "The test clock can only be advanced to a time after its current frozen_time.",
        );
      }
      advanceClock(core, (target - core.clock.now()) * 1000);
      return refresh(core, clock);
    }),
  );
  app.delete(
    "/v1/test_helpers/test_clocks/:id",
    handle(core, ({ path }) => {
      const clock = get(path.id as string);
      core.store.remove("test_helpers.test_clock", clock.id);
      return { id: clock.id, object: "test_helpers.test_clock", deleted: true };
    }),
  );
}
