/** @module What a notification says, read from Stripe when it is sent rather than from the event that caused it. */
import type Stripe from "stripe";
import type { NotificationRow } from "./claims.js";

export type FreshContent = { send: Record<string, unknown> } | { skip: string };

const isMissing = (error: unknown) => (error as { code?: string }).code === "resource_missing";

/**
 * The payload to send now, or why the notification is obsolete. An invoice paid, voided or written
 * off since the failure is not announced as failed; a trial that ended, was extended or converted is
 * not announced as ending. Stripe errors other than "no such object" propagate (the send is retried).
 *
 * @example
 * const content = await freshContent(stripe, row);
 * if ("skip" in content) markSkipped(content.skip); else sender.send({ ...row, payload: content.send });
 */
export async function freshContent(
  stripe: Stripe,
  row: Pick<NotificationRow, "kind" | "payload">,
): Promise<FreshContent> {
  try {
    switch (row.kind) {
      case "payment_failed":
      case "payment_action_required":
        return invoiceContent(await stripe.invoices.retrieve(String(row.payload.invoiceId)));
      case "trial_ending":
        return trialContent(
          await stripe.subscriptions.retrieve(String(row.payload.subscriptionId)),
          row.payload.trialEnd,
        );
      default:
        return { send: row.payload };
    }
  } catch (error) {
    if (isMissing(error)) return { skip: "gone from Stripe" };
    throw error;
  }
}

function invoiceContent(invoice: Stripe.Invoice): FreshContent {
  if (invoice.status !== "open") return { skip: `invoice is ${invoice.status} now` };
  return {
    send: {
      invoiceId: invoice.id,
      amountDue: invoice.amount_due,
      amountRemaining: invoice.amount_remaining,
      currency: invoice.currency,
      attempt: invoice.attempt_count,
      nextPaymentAttempt: invoice.next_payment_attempt,
      hostedInvoiceUrl: invoice.hosted_invoice_url,
    },
  };
}

function trialContent(subscription: Stripe.Subscription, announcedTrialEnd: unknown): FreshContent {
  if (subscription.status !== "trialing") return { skip: `subscription is ${subscription.status} now` };
  if (subscription.trial_end !== announcedTrialEnd) return { skip: "the trial end moved" };
  return { send: { subscriptionId: subscription.id, trialEnd: subscription.trial_end } };
}
