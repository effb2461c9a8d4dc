/** @module Billing meters and meter events (deduplicated by `identifier`). */
import type { Core } from "../core.js";
import { invalidParam } from "../errors.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { int, obj, requireStr, str } from "../params.js";
import type { FakeMeter, FakeMeterEvent } from "../types.js";

/**
 * Create a meter (`POST /v1/billing/meters`).
 *
 * @example
 * createMeter(core, { display_name: "Tokens", event_name: "tokens", default_aggregation: { formula: "sum" } });
 */
export function createMeter(core: Core, params: Params, id: string = newStripeId("mtr")): FakeMeter {
  const eventName = requireStr(params, "event_name");
  if (core.store.all("billing.meter").some((m) => m.event_name === eventName && m.status === "active")) {
    throw invalidParam(
      "event_name",
      `A meter with event_name '${eventName}' already exists.`,
      "resource_already_exists",
    );
  }
  const aggregation = obj(params, "default_aggregation");
  const formula = (
    aggregation ? requireStr(aggregation, "formula") : "sum"
  ) as FakeMeter["default_aggregation"]["formula"];
  const mapping = obj(params, "customer_mapping");
  const valueSettings = obj(params, "value_settings");
  const now = core.clock.now();
  const meter = {
    id,
    object: "billing.meter",
    created: now,
    customer_mapping: {
      event_payload_key: (mapping && str(mapping, "event_payload_key")) ?? "stripe_customer_id",
      type: "by_id",
    },
    default_aggregation: { formula },
    display_name: requireStr(params, "display_name"),
    event_name: eventName,
    livemode: false,
    status: "active",
    updated: now,
    value_settings: {
      event_payload_key: (valueSettings && str(valueSettings, "event_payload_key")) ?? "value",
    },
  } as FakeMeter;
  core.store.put("billing.meter", meter);
  core.events.emit("billing.meter.created", meter);
  return meter;
}

/**
 * Record a meter event (`POST /v1/billing/meter_events`). An identifier seen before within 24 h is
 * not counted again; the first event is answered instead.
 *
 * @example
 * recordMeterEvent(core, { event_name: "tokens", payload: { stripe_customer_id: "cus_1", value: "25" }, identifier: "u_1" });
 */
export function recordMeterEvent(core: Core, params: Params): FakeMeterEvent {
  const eventName = requireStr(params, "event_name");
  const payload = obj(params, "payload");
  if (!payload) throw invalidParam("payload", "Missing required param: payload.", "parameter_missing");
  const now = core.clock.now();
  const identifier = str(params, "identifier") ?? newStripeId("mev");
  const existing = core.meterEvents.get(identifier);
  if (existing && now - existing.event.created < 86_400) return existing.event;
  const meter = core.store.all("billing.meter").find((m) => m.event_name === eventName);
  const customerKey = meter?.customer_mapping.event_payload_key ?? "stripe_customer_id";
  const valueKey = meter?.value_settings.event_payload_key ?? "value";
  const rawValue = payload[valueKey];
  if (typeof rawValue !== "string" || !/^-?\d+(\.\d+)?$/.test(rawValue)) {
    throw invalidParam(`payload[${valueKey}]`, `Invalid value: payload[${valueKey}] must be a number.`);
  }
  const customer = str(payload, customerKey) ?? null;
  if (customer) core.store.require("customer", customer, `payload[${customerKey}]`);
  const timestamp = int(params, "timestamp") ?? now;
  if (timestamp < now - 35 * 86_400 || timestamp > now + 300) {
    throw invalidParam(
      "timestamp",
      "Timestamp must be within the past 35 days or up to 5 minutes in the future.",
    );
  }
  const event: FakeMeterEvent = {
    object: "billing.meter_event",
    created: now,
    event_name: eventName,
    identifier,
    livemode: false,
    payload: payload as Record<string, string>,
    timestamp,
  };
  // A forgotten identifier's first event still counts: keep it under its own key, as Stripe would.
  if (existing) core.meterEvents.set(`${identifier}@${existing.event.created}`, existing);
  core.meterEvents.set(identifier, { event, customer, value: Number(rawValue) });
  return event;
}
