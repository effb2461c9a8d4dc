/** @module The console's pages: login, tenants, one tenant, webhook events. */
import type { ListEventsOptions } from "@org/billing";
import type { DailySeries, TenantOverview, tenantDetail } from "../queries.js";
import { UsageChart } from "./chart.js";
import { Badge, Layout } from "./layout.js";

type Frame = { nonce: string; csrf: string };
const fmt = (n: number) => n.toLocaleString("en-US");
const when = (d: Date | null | undefined) => (d ? d.toISOString().replace("T", " ").slice(0, 19) : "—");

/** The login form (the token is POSTed, never put in a URL). */
export const LoginPage = (props: Frame & { failed?: boolean }) => (
  <Layout title="Log in" nonce={props.nonce}>
    <form class="login" method="post" action="/admin/login">
      <h1>Admin console</h1>
      {props.failed ? <p class="error">That token is not the admin token.</p> : null}
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required />
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit">Log in</button>
    </form>
  </Layout>
);

const Usage = (props: { used: number; included: number | null }) => {
  const { used, included } = props;
  if (included === null) return <span>{fmt(used)}</span>;
  const share = included === 0 ? (used > 0 ? 1 : 0) : used / included;
  return (
    <div>
      {fmt(used)} / {fmt(included)}
      <span class={share > 1 ? "over" : "muted"}> ({Math.round(share * 100)}%)</span>
    </div>
  );
};

/** Every tenant with plan, status and this period's usage against the quota, per meter. */
export function TenantsPage(props: Frame & { tenants: TenantOverview[]; meters: string[] }) {
  return (
    <Layout title="Tenants" nonce={props.nonce} csrf={props.csrf}>
      <h1>Tenants</h1>
      <table>
        <thead>
          <tr>
            <th>Tenant</th>
            <th>Plan</th>
            <th>Status</th>
            {props.meters.map((m) => (
              <th>{m} (used / included)</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.tenants.map((t) => (
            <tr data-tenant={t.id}>
              <td>
                <a href={`/admin/console/tenants/${t.id}`}>{t.name}</a>
                <div class="muted">{t.slug}</div>
              </td>
              <td>{t.plan}</td>
              <td>
                <Badge status={t.status} />
              </td>
              {props.meters.map((m) => {
                const s = t.meters.find((x) => x.meter === m);
                return <td>{s ? <Usage used={s.used} included={s.included} /> : "—"}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

type Detail = NonNullable<Awaited<ReturnType<typeof tenantDetail>>>;

/** One tenant: its subscriptions, its state history and a daily usage chart per meter. */
export function TenantPage(props: Frame & { detail: Detail; usage: DailySeries[] }) {
  const { tenant, subscriptions, history } = props.detail;
  return (
    <Layout title={tenant.name} nonce={props.nonce} csrf={props.csrf}>
      <h1>
        {tenant.name} <Badge status={tenant.status} />
      </h1>
      <p class="muted">
        {tenant.id} · {tenant.slug} · plan {tenant.plan} · {tenant.email} · Stripe{" "}
        {tenant.stripeCustomerId ?? "none"}
      </p>
      <h2>Usage per day (last {props.usage[0]?.days.length ?? 0} days, UTC)</h2>
      <div class="charts">
        {props.usage.map((s) => (
          <UsageChart series={s} />
        ))}
      </div>
      <h2>Subscriptions</h2>
      <table>
        <thead>
          <tr>
            <th>Subscription</th>
            <th>Status</th>
            <th>Plan</th>
            <th>Period</th>
            <th>Cancel at period end</th>
            <th>Synced</th>
          </tr>
        </thead>
        <tbody>
          {subscriptions.map((s) => (
            <tr>
              <td>{s.stripeSubscriptionId}</td>
              <td>
                <Badge status={s.status} />
              </td>
              <td>
                {s.plan} / {s.interval}
              </td>
              <td>
                {when(s.currentPeriodStart)} → {when(s.currentPeriodEnd)}
              </td>
              <td>{s.cancelAtPeriodEnd ? "yes" : "no"}</td>
              <td>{when(s.syncedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>State history</h2>
      <table>
        <thead>
          <tr>
            <th>At (UTC)</th>
            <th>Change</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {history.map((h) => (
            <tr>
              <td>{when(h.at)}</td>
              <td>{h.what}</td>
              <td class="muted">{h.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export interface EventRow {
  id: string;
  type: string;
  status: string;
  attempts: number;
  receivedAt: Date;
  nextAttemptAt: Date;
  lastError: string | null;
}

const ReplayForm = (props: { action: string; csrf: string; label: string; secondary?: boolean }) => (
  <form method="post" action={props.action}>
    <input type="hidden" name="csrf" value={props.csrf} />
    <button type="submit" class={props.secondary ? "secondary" : ""}>
      {props.label}
    </button>
  </form>
);

/** The inbox (or its dead letters), newest first, with a Replay button per event. */
export function EventsPage(
  props: Frame & {
    events: EventRow[];
    status: ListEventsOptions["status"];
    deadLetters: boolean;
    counts: Record<string, number>;
  },
) {
  const title = props.deadLetters ? "Dead letters" : "Webhook events";
  const back = props.deadLetters ? "/admin/console/dead-letters" : "/admin/console/webhook-events";
  return (
    <Layout title={title} nonce={props.nonce} csrf={props.csrf}>
      <h1>{title}</h1>
      <div class="toolbar">
        {Object.entries(props.counts).map(([status, n]) => (
          <a href={`/admin/console/webhook-events?status=${status}`}>
            <Badge status={status} /> {fmt(n)}
          </a>
        ))}
        <ReplayForm
          action={`/admin/console/webhook-events/replay-dead?back=${encodeURIComponent(back)}`}
          csrf={props.csrf}
          label={`Replay all dead (${fmt(props.counts.dead ?? 0)})`}
        />
      </div>
      <table>
        <thead>
          <tr>
            <th>Event</th>
            <th>Type</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Received / next attempt</th>
            <th>Last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr data-event={e.id}>
              <td>{e.id}</td>
              <td>{e.type}</td>
              <td class="status">
                <Badge status={e.status} />
              </td>
              <td class="num">{e.attempts}</td>
              <td>
                {when(e.receivedAt)}
                <div class="muted">{when(e.nextAttemptAt)}</div>
              </td>
              <td class="error">{e.lastError ?? ""}</td>
              <td>
                {e.status === "pending" || e.status === "processing" ? null : (
                  <ReplayForm
                    action={`/admin/console/webhook-events/${encodeURIComponent(e.id)}/replay?back=${encodeURIComponent(back)}`}
                    csrf={props.csrf}
                    label="Replay"
                    secondary
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.events.length === 0 ? <p class="muted">No events.</p> : null}
    </Layout>
  );
}
