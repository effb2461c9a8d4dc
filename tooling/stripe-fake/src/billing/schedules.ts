/** @module Subscription schedules: phases that change a subscription at set times (downgrades at period end). */
import type { Core } from "../core.js";
import { invalidParam, invalidState } from "../errors.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { arr, int, mergeMetadata, obj, requireStr, str } from "../params.js";
import type { FakePrice, FakeSubscriptionSchedule } from "../types.js";
import { addInterval, type Interval } from "./period.js";
import { cancelSubscription, newItem, periodOf, startSubscription } from "./subscriptions.js";

type Phase = FakeSubscriptionSchedule["phases"][number];

interface PhaseInput {
  items: Array<{ price: FakePrice; quantity: number }>;
  iterations?: number;
  /** `duration[interval]`/`duration[interval_count]` (newer API versions replace `iterations` by it). */
  duration?: { interval: Interval; count: number };
  endDate?: number;
  trialEnd?: number;
  metadata: Record<string, string>;
  prorationBehavior: Phase["proration_behavior"];
}

const readPhases = (core: Core, params: Params): PhaseInput[] => {
  const phases = arr(params, "phases");
  if (!phases || phases.length === 0)
    throw invalidParam("phases", "Missing required param: phases.", "parameter_missing");
  return phases.map((raw, p) => {
    if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam(`phases[${p}]`, "Invalid hash");
    const items = (arr(raw, "items") ?? []).map((rawItem, i) => {
      if (typeof rawItem !== "object" || Array.isArray(rawItem))
        throw invalidParam(`phases[${p}][items][${i}]`, "Invalid hash");
      const id = str(rawItem, "price") ?? str(rawItem, "plan");
      if (!id)
        throw invalidParam(
          `phases[${p}][items][${i}][price]`,
          "Missing required param: price.",
          "parameter_missing",
        );
      return {
        price: core.store.require("price", id, `phases[${p}][items][${i}][price]`),
        quantity: int(rawItem, "quantity") ?? 1,
      };
    });
    if (items.length === 0)
      throw invalidParam(`phases[${p}][items]`, "Missing required param: items.", "parameter_missing");
    const input: PhaseInput = {
      items,
      metadata: mergeMetadata({}, raw),
      prorationBehavior: (str(raw, "proration_behavior") ??
        "create_prorations") as Phase["proration_behavior"],
    };
    const iterations = int(raw, "iterations");
    if (iterations !== undefined) input.iterations = iterations;
    const duration = obj(raw, "duration");
    if (duration) {
      input.duration = {
        interval: requireStr(duration, "interval") as Interval,
        count: int(duration, "interval_count") ?? 1,
      };
    }
    const endDate = int(raw, "end_date");
    if (endDate !== undefined) input.endDate = endDate;
    const trialEnd = int(raw, "trial_end");
    if (trialEnd !== undefined) input.trialEnd = trialEnd;
    return input;
  });
};

const buildPhases = (inputs: PhaseInput[], start: number): Phase[] => {
  let cursor = start;
  return inputs.map((input, index) => {
    const price = input.items[0]?.price as FakePrice;
    const recurring = price.recurring;
    const last = index === inputs.length - 1;
    const end =
      input.endDate ??
      (input.duration ? addInterval(cursor, input.duration.interval, input.duration.count) : undefined) ??
      (input.iterations || !last
        ? addInterval(
            cursor,
            (recurring?.interval ?? "month") as Interval,
            (recurring?.interval_count ?? 1) * (input.iterations ?? 1),
          )
        : addInterval(cursor, (recurring?.interval ?? "month") as Interval, recurring?.interval_count ?? 1));
    const phase = {
      add_invoice_items: [],
      application_fee_percent: null,
      billing_cycle_anchor: null,
      billing_thresholds: null,
      collection_method: null,
      currency: price.currency,
      default_payment_method: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      end_date: end,
      invoice_settings: null,
      items: input.items.map(({ price: p, quantity }) => ({
        billing_thresholds: null,
        discounts: [],
        metadata: {},
        plan: p.id,
        price: p.id,
        quantity,
        tax_rates: [],
      })),
      metadata: input.metadata,
      on_behalf_of: null,
      proration_behavior: input.prorationBehavior,
      start_date: cursor,
      transfer_data: null,
      trial_end: input.trialEnd ?? null,
    } as unknown as Phase;
    cursor = end;
    return phase;
  });
};

const phaseItems = (core: Core, phase: Phase) =>
  phase.items.map((item) => ({
    price: core.store.require("price", item.price as string),
    quantity: item.quantity ?? 1,
  }));

const setCurrentPhase = (schedule: FakeSubscriptionSchedule, phase: Phase | undefined) => {
  schedule.current_phase = phase ? { start_date: phase.start_date, end_date: phase.end_date } : null;
};

/**
 * Create a schedule (`POST /v1/subscription_schedules`): from an existing subscription
 * (`from_subscription`) or for a customer with `phases` (starting `now` creates the subscription).
 *
 * @example
 * createSchedule(core, { from_subscription: "sub_1" });
 */
export function createSchedule(core: Core, params: Params): FakeSubscriptionSchedule {
  const now = core.clock.now();
  const id = newStripeId("sub_sched");
  const fromSubscription = str(params, "from_subscription");
  const schedule: FakeSubscriptionSchedule = {
    id,
    object: "subscription_schedule",
    canceled_at: null,
    completed_at: null,
    created: now,
    current_phase: null,
    customer: "",
    end_behavior: (str(params, "end_behavior") ?? "release") as FakeSubscriptionSchedule["end_behavior"],
    livemode: false,
    metadata: mergeMetadata({}, params),
    phases: [],
    released_at: null,
    released_subscription: null,
    status: "not_started",
    subscription: null,
    test_clock: null,
  };
  if (fromSubscription) {
    const sub = core.store.require("subscription", fromSubscription, "from_subscription");
    if (sub.schedule) throw invalidState(`The subscription ${sub.id} is already attached to a schedule.`);
    const { start, end } = periodOf(sub);
    schedule.customer = sub.customer as string;
    schedule.subscription = sub.id;
    schedule.status = "active";
    const items = sub.items.data.map((item) => ({
      price: item.price as unknown as FakePrice,
      quantity: item.quantity ?? 1,
    }));
    schedule.phases = buildPhases(
      [{ items, endDate: end, metadata: {}, prorationBehavior: "create_prorations" }],
      start,
    );
    setCurrentPhase(schedule, schedule.phases[0]);
    sub.schedule = id;
    core.store.put("subscription_schedule", schedule);
    core.events.emit("subscription_schedule.created", schedule);
    return schedule;
  }
  const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
  schedule.customer = customer.id;
  const startParam = params.start_date;
  const start = startParam === undefined || startParam === "now" ? now : Number(startParam);
  if (!Number.isInteger(start)) throw invalidParam("start_date", "Invalid start_date");
  schedule.phases = buildPhases(readPhases(core, params), start);
  core.store.put("subscription_schedule", schedule);
  core.events.emit("subscription_schedule.created", schedule);
  if (start <= now) startSchedule(core, schedule);
  return schedule;
}

/**
 * Start a schedule whose start date has come: its first phase creates the subscription.
 *
 * @example
 * startSchedule(core, schedule);
 */
export function startSchedule(core: Core, schedule: FakeSubscriptionSchedule): void {
  const phase = schedule.phases[0] as Phase;
  const before = copy(schedule);
  schedule.status = "active";
  setCurrentPhase(schedule, phase);
  const sub = startSubscription(core, {
    customer: schedule.customer as string,
    items: phaseItems(core, phase),
    trialEnd: phase.trial_end,
    metadata: { ...(phase.metadata ?? {}) },
    defaultPaymentMethod: null,
    paymentBehavior: "allow_incomplete",
    collectionMethod: "charge_automatically",
    daysUntilDue: null,
    cancelAtPeriodEnd: false,
    description: null,
    schedule: schedule.id,
  });
  // The first period ends with the phase, as on Stripe.
  for (const item of sub.items.data)
    item.current_period_end = Math.min(item.current_period_end, phase.end_date);
  schedule.subscription = sub.id;
  core.events.emit("subscription_schedule.updated", schedule, before);
}

/**
 * Replace phases, end behaviour or metadata (`POST /v1/subscription_schedules/:id`).
 *
 * @example
 * updateSchedule(core, schedule, { phases: [current, { items: [{ price: "price_free_monthly" }] }], end_behavior: "release" });
 */
export function updateSchedule(
  core: Core,
  schedule: FakeSubscriptionSchedule,
  params: Params,
): FakeSubscriptionSchedule {
  if (schedule.status !== "active" && schedule.status !== "not_started") {
    throw invalidState(
      `You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  }
  const before = copy(schedule);
  schedule.metadata = mergeMetadata(schedule.metadata ?? {}, params);
  const endBehavior = str(params, "end_behavior");
  if (endBehavior) schedule.end_behavior = endBehavior as FakeSubscriptionSchedule["end_behavior"];
  if (params.phases !== undefined) {
    const inputs = readPhases(core, params);
    const rawFirst = (arr(params, "phases")?.[0] ?? {}) as Params;
    const first = rawFirst.start_date;
    const start =
      first === undefined
        ? (schedule.phases[0]?.start_date ?? core.clock.now())
        : first === "now"
          ? core.clock.now()
          : Number(first);
    schedule.phases = buildPhases(inputs, start);
    const now = core.clock.now();
    setCurrentPhase(
      schedule,
      schedule.phases.find((p) => p.start_date <= now && now < p.end_date) ?? schedule.phases[0],
    );
  }
  core.events.emit("subscription_schedule.updated", schedule, before);
  return schedule;
}

/**
 * Release the subscription from the schedule (`POST .../release`); it continues on its own.
 *
 * @example
 * releaseSchedule(core, schedule);
 */
export function releaseSchedule(core: Core, schedule: FakeSubscriptionSchedule): FakeSubscriptionSchedule {
  if (schedule.status !== "active" && schedule.status !== "not_started") {
    throw invalidState(
      `You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  }
  const sub =
    typeof schedule.subscription === "string"
      ? core.store.get("subscription", schedule.subscription)
      : undefined;
  if (sub) sub.schedule = null;
  schedule.status = "released";
  schedule.released_at = core.clock.now();
  schedule.released_subscription = sub?.id ?? null;
  schedule.subscription = null;
  setCurrentPhase(schedule, undefined);
  core.events.emit("subscription_schedule.released", schedule);
  return schedule;
}

/**
 * Cancel the schedule and its subscription (`POST .../cancel`).
 *
 * @example
 * cancelSchedule(core, schedule);
 */
export function cancelSchedule(core: Core, schedule: FakeSubscriptionSchedule): FakeSubscriptionSchedule {
  if (schedule.status !== "active" && schedule.status !== "not_started") {
    throw invalidState(
      `You cannot cancel a subscription schedule that is currently in the \`${schedule.status}\` status.`,
    );
  }
  const sub =
    typeof schedule.subscription === "string"
      ? core.store.get("subscription", schedule.subscription)
      : undefined;
  if (sub && sub.status !== "canceled") cancelSubscription(core, sub);
  schedule.status = "canceled";
  schedule.canceled_at = core.clock.now();
  setCurrentPhase(schedule, undefined);
  core.events.emit("subscription_schedule.canceled", schedule);
  return schedule;
}

/**
 * The clock's step when the current phase ends: apply the next phase's items to the subscription,
 * or end the schedule (`release` or `cancel`).
 *
 * @example
 * advancePhase(core, schedule);
 */
export function advancePhase(core: Core, schedule: FakeSubscriptionSchedule): void {
  const now = core.clock.now();
  const next = schedule.phases.find(
    (p) => p.start_date <= now && now < p.end_date && p.start_date !== schedule.current_phase?.start_date,
  );
  const sub =
    typeof schedule.subscription === "string"
      ? core.store.get("subscription", schedule.subscription)
      : undefined;
  if (!next || !sub) {
    if (schedule.end_behavior === "cancel" && sub && sub.status !== "canceled") {
      cancelSubscription(core, sub);
    }
    if (sub) sub.schedule = null;
    const before = copy(schedule);
    schedule.status = schedule.end_behavior === "cancel" ? "completed" : "released";
    if (schedule.status === "released") {
      schedule.released_at = now;
      schedule.released_subscription = sub?.id ?? null;
      schedule.subscription = null;
    } else schedule.completed_at = now;
    setCurrentPhase(schedule, undefined);
    core.events.emit(
      schedule.status === "released" ? "subscription_schedule.released" : "subscription_schedule.completed",
      schedule,
      before,
    );
    return;
  }
  const before = copy(schedule);
  const subBefore = copy(sub);
  // Phase boundaries coincide with period ends here, so the new items take effect for the period
  // about to be invoiced, without prorations.
  const { start, end } = periodOf(sub);
  sub.items.data = phaseItems(core, next).map(({ price, quantity }) => {
    const existing = sub.items.data.find((i) => (i.price as unknown as FakePrice).id === price.id);
    const item = existing ?? newItem(core, sub.id, price, quantity, start, end);
    item.quantity = quantity;
    core.store.put("subscription_item", item);
    return item;
  });
  setCurrentPhase(schedule, next);
  core.events.emit("customer.subscription.updated", sub, subBefore);
  core.events.emit("subscription_schedule.updated", schedule, before);
}
