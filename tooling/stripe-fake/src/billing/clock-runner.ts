/** @module Moving the test clock: everything that falls due runs in time order, as it would have on Stripe. */
import type { Core } from "../core.js";
import { expireCheckoutSession } from "./checkout.js";
import { discardPendingUpdate } from "./pending-updates.js";
import { advancePhase, startSchedule } from "./schedules.js";
import {
  cancelSubscription,
  expireIncomplete,
  notifyTrialEnding,
  periodOf,
  renewSubscription,
  retryInvoice,
  trialEndingNotified,
} from "./subscriptions.js";
import { notifyUpcomingInvoice, upcomingInvoiceDueAt } from "./upcoming.js";

interface Due {
  at: number;
  /** Tie-break at equal times: schedule phases before renewals (the new price is what renews). */
  rank: number;
  run: () => void;
}

const RENEWING = new Set(["active", "trialing", "past_due", "unpaid"]);

const dueActions = (core: Core): Due[] => {
  const due: Due[] = [];
  const { store, settings } = core;
  for (const schedule of store.all("subscription_schedule")) {
    if (schedule.status === "not_started" && schedule.phases[0]) {
      due.push({ at: schedule.phases[0].start_date, rank: 0, run: () => startSchedule(core, schedule) });
    }
    if (schedule.status === "active" && schedule.current_phase) {
      due.push({ at: schedule.current_phase.end_date, rank: 0, run: () => advancePhase(core, schedule) });
    }
  }
  for (const sub of store.all("subscription")) {
    if (sub.status === "trialing" && sub.trial_end && !trialEndingNotified(core, sub)) {
      due.push({
        at: sub.trial_end - settings.trialWillEndDays * 86_400,
        rank: 1,
        run: () => notifyTrialEnding(core, sub),
      });
    }
    const upcomingAt = upcomingInvoiceDueAt(core, sub);
    if (upcomingAt !== undefined) {
      due.push({ at: upcomingAt, rank: 1, run: () => notifyUpcomingInvoice(core, sub) });
    }
    if (RENEWING.has(sub.status)) {
      const end = periodOf(sub).end;
      // `cancel_at` inside the period ends the subscription then, not at the period end.
      if (sub.cancel_at !== null && sub.cancel_at < end) {
        due.push({ at: sub.cancel_at, rank: 2, run: () => cancelSubscription(core, sub) });
      } else due.push({ at: end, rank: 2, run: () => renewSubscription(core, sub) });
    }
    if (sub.pending_update) {
      const pending = sub;
      due.push({
        at: sub.pending_update.expires_at,
        rank: 1,
        run: () => discardPendingUpdate(core, pending),
      });
    }
    if (sub.status === "incomplete") {
      due.push({
        at: sub.created + settings.incompleteExpiresHours * 3600,
        rank: 4,
        run: () => expireIncomplete(core, sub),
      });
    }
  }
  for (const invoice of store.all("invoice")) {
    if (invoice.status === "open" && invoice.next_payment_attempt) {
      due.push({ at: invoice.next_payment_attempt, rank: 3, run: () => retryInvoice(core, invoice) });
    }
  }
  for (const session of store.all("checkout.session")) {
    if (session.status === "open") {
      due.push({ at: session.expires_at, rank: 4, run: () => expireCheckoutSession(core, session) });
    }
  }
  return due;
};

/** What one call to {@link advanceClock} did. */
export interface AdvanceResult {
  /** Fake time after the move, Unix seconds. */
  now: number;
  /** How many scheduled actions ran (renewals, retries, trial ends, phase changes, expiries). */
  actions: number;
}

/**
 * Move the clock forward by `ms`, running every renewal, retry, trial end and phase change that
 * falls due on the way, each at its own time.
 *
 * @example
 * advanceClock(core, 31 * 86_400_000);
 */
export function advanceClock(core: Core, ms: number): AdvanceResult {
  if (ms < 0) throw new Error("The test clock only moves forward");
  const targetMs = core.clock.nowMs() + ms;
  const target = Math.floor(targetMs / 1000);
  let actions = 0;
  // A bound that no honest schedule reaches; it turns a bug (an action that never stops being due) into an error.
  for (let guard = 0; guard < 100_000; guard++) {
    const next = dueActions(core)
      .filter((d) => d.at <= target)
      .sort((a, b) => a.at - b.at || a.rank - b.rank)[0];
    if (!next) break;
    if (next.at * 1000 > core.clock.nowMs()) core.clock.set(next.at * 1000);
    next.run();
    actions++;
  }
  core.clock.set(Math.max(targetMs, core.clock.nowMs()));
  return { now: core.clock.now(), actions };
}
