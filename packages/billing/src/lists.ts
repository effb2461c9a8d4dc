/** @module Invoices and payment methods, with cursor pagination. */
import { invoices } from "@org/db";
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { BillingDeps } from "./context.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { BillingError } from "./errors.js";

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string;
  amountDue: number;
  amountPaid: number;
  currency: string;
  periodStart: string | null;
  periodEnd: string | null;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  createdAt: string;
}

/**
 * The tenant's invoices, newest first, from the synced copy (no Stripe call).
 *
 * @throws {BillingError} validation_failed for a cursor that is not ours
 * @example
 * const page = await listInvoices(deps, tenantId, { limit: 20 });
 * const next = await listInvoices(deps, tenantId, { limit: 20, cursor: page.nextCursor! });
 */
export async function listInvoices(
  deps: Pick<BillingDeps, "db">,
  tenantId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<InvoiceView>> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (options.cursor && !after) throw new BillingError("validation_failed", "cursor is not valid");
  const rows = await deps.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.tenantId, tenantId),
        after
          ? or(
              lt(invoices.stripeCreatedAt, new Date(after.at)),
              and(eq(invoices.stripeCreatedAt, new Date(after.at)), lt(invoices.stripeInvoiceId, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(invoices.stripeCreatedAt), desc(invoices.stripeInvoiceId))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((r) => ({
      id: r.stripeInvoiceId,
      number: r.number,
      status: r.status,
      amountDue: r.amountDue,
      amountPaid: r.amountPaid,
      currency: r.currency,
      periodStart: r.periodStart?.toISOString() ?? null,
      periodEnd: r.periodEnd?.toISOString() ?? null,
      hostedInvoiceUrl: r.hostedInvoiceUrl,
      invoicePdf: r.invoicePdf,
      createdAt: r.stripeCreatedAt.toISOString(),
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ at: last.stripeCreatedAt.getTime(), id: last.stripeInvoiceId })
        : null,
  };
}

export interface PaymentMethodView {
  id: string;
  type: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  isDefault: boolean;
}

/**
 * The customer's cards, from Stripe, with Stripe's own cursor (the last id).
 *
 * @example
 * const { data, nextCursor } = await listPaymentMethods(deps, customerId, { limit: 10 });
 */
export async function listPaymentMethods(
  deps: Pick<BillingDeps, "stripe">,
  customerId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<PaymentMethodView>> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
  const [customer, list] = await Promise.all([
    deps.stripe.customers.retrieve(customerId),
    deps.stripe.paymentMethods.list({
      customer: customerId,
      limit,
      ...(options.cursor ? { starting_after: options.cursor } : {}),
    }),
  ]);
  const defaultId =
    "invoice_settings" in customer
      ? typeof customer.invoice_settings?.default_payment_method === "string"
        ? customer.invoice_settings.default_payment_method
        : (customer.invoice_settings?.default_payment_method?.id ?? null)
      : null;
  return {
    data: list.data.map((pm) => ({
      id: pm.id,
      type: pm.type,
      brand: pm.card?.brand ?? null,
      last4: pm.card?.last4 ?? null,
      expMonth: pm.card?.exp_month ?? null,
      expYear: pm.card?.exp_year ?? null,
      isDefault: pm.id === defaultId,
    })),
    nextCursor: list.has_more ? (list.data.at(-1)?.id ?? null) : null,
  };
}
