import { notifications } from "@org/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../test/harness.js";
import { claimDueNotifications, notificationOutboxDepth } from "./claims.js";
import { deliverNotifications } from "./delivery.js";
import { enqueueNotification, type Notification, type NotificationSender } from "./outbox.js";

/** Records what it delivers; `failFirst` sends of a notification throw first. */
function recordingSender(failFirst = 0) {
  const delivered: Notification[] = [];
  const tries = new Map<string, number>();
  const sender: NotificationSender = {
    async send(notification) {
      const n = (tries.get(notification.id) ?? 0) + 1;
      tries.set(notification.id, n);
      await new Promise((resolve) => setImmediate(resolve)); // lets concurrent drainers interleave
      if (n <= failFirst) throw new Error(`receiver down (try ${n})`);
      delivered.push(notification);
    },
  };
  return { sender, delivered, tries };
}

describe("notification delivery: the outbox drained through the sender port", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  const outboxOf = (tenantId: string) =>
    h.t.db.select().from(notifications).where(eq(notifications.tenantId, tenantId));

  /** A pro subscription whose renewal fails: Stripe emits invoice.payment_failed, the handler queues it. */
  async function failedRenewal() {
    const { tenant, customerId } = await h.subscribe("pro");
    const [sub] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    await h.stripe.subscriptions.update(sub!.id, { default_payment_method: failing.id });
    h.fake.clock.advanceTo(sub!.items.data[0]!.current_period_end);
    await h.deliverPending();
    return { tenant, failing };
  }

  it("sends exactly one payment_failed for a failed payment, with the invoice as Stripe has it", async () => {
    const { tenant } = await failedRenewal();
    await h.deliverPending(() => h.fake.events() as never); // every event delivered again
    const { sender, delivered } = recordingSender();
    await deliverNotifications({ db: h.deps.db, stripe: h.stripe, sender });
    await deliverNotifications({ db: h.deps.db, stripe: h.stripe, sender });

    const sent = delivered.filter((n) => n.tenantId === tenant.id && n.kind === "payment_failed");
    expect(sent).toHaveLength(1);
    const invoice = await h.stripe.invoices.retrieve(String(sent[0]!.payload.invoiceId));
    expect(invoice.status).toBe("open");
    expect(sent[0]!.payload).toMatchObject({ amountDue: invoice.amount_due, currency: "usd", attempt: 1 });
    const [row] = (await outboxOf(tenant.id)).filter((n) => n.kind === "payment_failed");
    expect(row).toMatchObject({ status: "sent", attempts: 1 });
    expect(row?.sentAt).toBeInstanceOf(Date);
  });

  it("does not announce an invoice paid before the drain as failed: the notification is skipped", async () => {
    const { tenant, failing } = await failedRenewal();
    expect((await outboxOf(tenant.id)).map((n) => n.kind)).toContain("payment_failed");
    h.fake.setPaymentFailing(failing.id, false);
    h.fake.clock.advance("3d"); // Stripe's retry succeeds: the invoice is paid
    await h.deliverPending();

    const { sender, delivered } = recordingSender();
    await deliverNotifications({ db: h.deps.db, stripe: h.stripe, sender });
    expect(delivered.filter((n) => n.tenantId === tenant.id)).toEqual([]);
    const [row] = (await outboxOf(tenant.id)).filter((n) => n.kind === "payment_failed");
    expect(row).toMatchObject({ status: "skipped", lastError: "invoice is paid now", sentAt: null });
  });

  it("does not announce the end of a trial that is over already", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    const [sub] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    await enqueueNotification(h.deps.db, {
      tenantId: tenant.id,
      kind: "trial_ending",
      dedupeKey: `trial_ending:${sub!.id}:1`,
      payload: { subscriptionId: sub!.id, trialEnd: 1 },
    });
    const { sender, delivered } = recordingSender();
    await deliverNotifications({ db: h.deps.db, stripe: h.stripe, sender });
    expect(delivered.filter((n) => n.tenantId === tenant.id)).toEqual([]);
    expect((await outboxOf(tenant.id))[0]).toMatchObject({
      status: "skipped",
      lastError: "subscription is active now",
    });
    expect(await notificationOutboxDepth(h.deps.db)).toMatchObject({ skipped: 2 });
  });

  it("retries a failing sender with exponential backoff (injected clock) and delivers once", async () => {
    const tenant = await h.newTenant();
    await enqueueNotification(h.deps.db, {
      tenantId: tenant.id,
      kind: "subscription_canceled",
      dedupeKey: `subscription_canceled:sub_backoff_${tenant.id}`,
      payload: { subscriptionId: "sub_backoff" },
    });
    const [queued] = await outboxOf(tenant.id);
    const start = queued!.createdAt.getTime() + 1_000;
    let now = start;
    const { sender, delivered, tries } = recordingSender(2);
    const drain = () =>
      deliverNotifications(
        { db: h.deps.db, stripe: h.stripe, sender, clock: () => new Date(now), random: () => 1 },
        { retry: { baseMs: 60_000 } },
      );
    const row = async () => (await outboxOf(tenant.id))[0]!;

    await drain();
    expect(await row()).toMatchObject({ status: "pending", attempts: 1, lastError: "receiver down (try 1)" });
    expect((await row()).nextAttemptAt.getTime()).toBe(start + 60_000);
    now = start + 59_999;
    await drain();
    expect(tries.get(queued!.id)).toBe(1); // not due yet

    now = start + 60_000;
    await drain();
    expect((await row()).nextAttemptAt.getTime()).toBe(now + 120_000); // doubled
    now += 119_999;
    await drain();
    expect(tries.get(queued!.id)).toBe(2);

    now += 1;
    await drain();
    await drain();
    expect(delivered.filter((n) => n.id === queued!.id)).toHaveLength(1);
    expect(await row()).toMatchObject({ status: "sent", attempts: 3, sentAt: new Date(now) });
  });

  it("never sends one notification twice when several drainers run at once", async () => {
    const tenant = await h.newTenant();
    for (let i = 0; i < 60; i++) {
      await enqueueNotification(h.deps.db, {
        tenantId: tenant.id,
        kind: "subscription_canceled",
        dedupeKey: `subscription_canceled:sub_${i}`,
        payload: { subscriptionId: `sub_${i}` },
      });
    }
    const { sender, delivered } = recordingSender();
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        deliverNotifications(
          { db: h.deps.db, stripe: h.stripe, sender },
          { workerId: `drainer_${i}`, batchSize: 3, maxBatches: 100 },
        ),
      ),
    );
    const ids = delivered.filter((n) => n.tenantId === tenant.id).map((n) => n.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const rows = await outboxOf(tenant.id);
    expect(rows.every((n) => n.status === "sent" && n.attempts === 1)).toBe(true);
  });

  it("never sends a row of a slow batch twice when another drainer took it over meanwhile", async () => {
    const tenant = await h.newTenant();
    for (let i = 0; i < 3; i++) {
      await enqueueNotification(h.deps.db, {
        tenantId: tenant.id,
        kind: "subscription_canceled",
        dedupeKey: `subscription_canceled:sub_slow_${i}`,
        payload: { subscriptionId: `sub_slow_${i}` },
      });
    }
    const rows = await outboxOf(tenant.id);
    let now = Math.max(...rows.map((n) => n.createdAt.getTime())) + 1_000;
    const clock = () => new Date(now);
    const other = recordingSender();
    const sent: string[] = [];
    // Each send of the first drainer takes 40 s of a 60 s lease; the other drainer runs meanwhile.
    const slow: NotificationSender = {
      async send(notification) {
        sent.push(notification.id);
        now += 40_000;
        await deliverNotifications(
          { db: h.deps.db, stripe: h.stripe, sender: other.sender, clock },
          { workerId: "fast", lockMs: 60_000 },
        );
      },
    };
    await deliverNotifications(
      { db: h.deps.db, stripe: h.stripe, sender: slow, clock },
      { workerId: "slow", batchSize: 3, lockMs: 60_000 },
    );
    const all = [...sent, ...other.delivered.map((n) => n.id)].filter((id) => rows.some((r) => r.id === id));
    expect(all).toHaveLength(3);
    expect(new Set(all).size).toBe(3);
    expect(other.delivered.length).toBeGreaterThan(0); // the takeover did happen
  });

  it("sends again what a drainer claimed and died with, once its lease ran out", async () => {
    const tenant = await h.newTenant();
    await enqueueNotification(h.deps.db, {
      tenantId: tenant.id,
      kind: "subscription_canceled",
      dedupeKey: "subscription_canceled:sub_orphaned",
      payload: { subscriptionId: "sub_orphaned" },
    });
    const [queued] = await outboxOf(tenant.id);
    const claimedAt = queued!.createdAt.getTime() + 1_000;
    const dead = await claimDueNotifications(h.deps.db, {
      workerId: "crashed",
      limit: 1_000,
      lockMs: 60_000,
      now: new Date(claimedAt),
    });
    expect(dead.map((n) => n.id)).toContain(queued!.id);

    const { sender, delivered } = recordingSender();
    const drainAt = (at: number) =>
      deliverNotifications({ db: h.deps.db, stripe: h.stripe, sender, clock: () => new Date(at) });
    await drainAt(claimedAt + 59_999);
    expect(delivered.map((n) => n.id)).not.toContain(queued!.id);
    await drainAt(claimedAt + 60_001);
    expect(delivered.filter((n) => n.id === queued!.id)).toHaveLength(1);
    const [row] = await h.t.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.tenantId, tenant.id), eq(notifications.id, queued!.id)));
    expect(row).toMatchObject({ status: "sent", attempts: 2 });
  });
});
