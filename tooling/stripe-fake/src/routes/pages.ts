/** @module Minimal HTML pages behind the URLs the fake hands out (checkout, portal, invoice), for local development. */
import type { Hono } from "hono";
import { completeCheckoutSession } from "../billing/checkout.js";
import { updateSubscription } from "../billing/subscriptions.js";
import type { Core } from "../core.js";
import { StripeFakeError } from "../errors.js";
import type { FakeEnv } from "../http-env.js";
import { withRequest } from "../request-context.js";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string,
  );

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">${body}</body></html>`;

const money = (amount: number | null, currency: string | null) =>
  `${((amount ?? 0) / 100).toFixed(2)} ${(currency ?? "usd").toUpperCase()}`;

/**
 * Mount the pages.
 *
 * @example
 * registerPages(app, core);
 */
export function registerPages(app: Hono<FakeEnv>, core: Core): void {
  const internal = { requestId: null, idempotencyKey: null };
  app.get("/checkout/:id", (c) => {
    const session = core.store.get("checkout.session", c.req.param("id"));
    if (!session) return c.html(page("Not found", "<p>No such Checkout Session.</p>"), 404);
    return c.html(
      page(
        "stripe-fake Checkout",
        `<h1>Checkout (stripe-fake)</h1><p>Session <code>${escapeHtml(session.id)}</code>: ${escapeHtml(session.status ?? "")}, total ${money(session.amount_total, session.currency)}</p>
<form method="post"><label>Card <select name="payment_method"><option value="pm_card_visa">Visa 4242 (succeeds)</option><option value="pm_card_chargeCustomerFail">Visa 0341 (later charges fail)</option><option value="pm_card_chargeDeclined">Visa 0002 (declined)</option></select></label>
<label>Email <input name="email" type="email" value="${escapeHtml(session.customer_email ?? "")}"></label> <button>Pay</button></form>
${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>` : ""}`,
      ),
    );
  });
  app.post("/checkout/:id", async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param("id");
    try {
      const session = withRequest(internal, () =>
        completeCheckoutSession(core, id, {
          paymentMethod: String(form.payment_method ?? "pm_card_visa"),
          ...(form.email ? { email: String(form.email) } : {}),
        }),
      );
      const target = (session.success_url ?? "/").replaceAll("{CHECKOUT_SESSION_ID}", session.id);
      return c.redirect(target, 303);
    } catch (error) {
      if (!(error instanceof StripeFakeError)) throw error;
      return c.html(
        page(
          "Payment failed",
          `<p>${escapeHtml(error.message)}</p><p><a href="/checkout/${escapeHtml(id)}">Try again</a></p>`,
        ),
        402,
      );
    }
  });
  app.get("/billing_portal/:id", (c) => {
    const session = core.store.get("billing_portal.session", c.req.param("id"));
    if (!session) return c.html(page("Not found", "<p>No such portal session.</p>"), 404);
    const subs = core.store
      .all("subscription")
      .filter((s) => s.customer === session.customer && s.status !== "canceled");
    const rows = subs
      .map(
        (s) =>
          `<li><code>${escapeHtml(s.id)}</code> ${escapeHtml(s.status)}${s.cancel_at_period_end ? " (cancels at period end)" : ""}
<form method="post" style="display:inline"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><input type="hidden" name="cancel" value="${s.cancel_at_period_end ? "false" : "true"}"><button>${s.cancel_at_period_end ? "Resume" : "Cancel at period end"}</button></form></li>`,
      )
      .join("");
    return c.html(
      page(
        "stripe-fake Billing portal",
        `<h1>Billing portal (stripe-fake)</h1><ul>${rows || "<li>No subscriptions</li>"}</ul>${session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return</a></p>` : ""}`,
      ),
    );
  });
  app.post("/billing_portal/:id", async (c) => {
    const session = core.store.get("billing_portal.session", c.req.param("id"));
    if (!session) return c.html(page("Not found", "<p>No such portal session.</p>"), 404);
    const form = await c.req.parseBody();
    const sub = core.store.get("subscription", String(form.subscription));
    if (sub && sub.customer === session.customer) {
      withRequest(internal, () =>
        updateSubscription(core, sub, { cancel_at_period_end: String(form.cancel) }),
      );
    }
    return c.redirect(`/billing_portal/${session.id}`, 303);
  });
  app.get("/invoices/:id", (c) => {
    const invoice = core.store.get("invoice", c.req.param("id"));
    if (!invoice) return c.html(page("Not found", "<p>No such invoice.</p>"), 404);
    const lines = invoice.lines.data
      .map((l) => `<li>${escapeHtml(l.description ?? "")}: ${money(l.amount, l.currency)}</li>`)
      .join("");
    return c.html(
      page(
        `Invoice ${invoice.number ?? invoice.id}`,
        `<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1><p>Status: ${escapeHtml(invoice.status ?? "")}</p><ul>${lines}</ul><p>Total ${money(invoice.total, invoice.currency)}</p>`,
      ),
    );
  });
}
