/** @module The console's page frame: navigation, styles under a per-response CSP nonce. */
import type { Child } from "hono/jsx";

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;background:#f5f7fa}
header{display:flex;align-items:center;gap:24px;padding:12px 24px;background:#1f2933;color:#fff}
header a{color:#cbd2d9;text-decoration:none}header a:hover{color:#fff}
header strong{font-size:16px;margin-right:16px}
header form{margin:0 0 0 auto}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:28px 0 10px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e4e7eb}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#f0f4f8;font-weight:600;font-size:12px;text-transform:uppercase;color:#52606d}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e4e7eb}
.s-active,.s-processed{background:#c6f7e2;color:#014d40}
.s-suspended,.s-dead,.s-failed{background:#ffe3e3;color:#610316}
.s-pending,.s-processing{background:#fff3c4;color:#513c06}
.over{color:#a61b1b;font-weight:600}
button{font:inherit;padding:5px 12px;border:1px solid #3e7bfa;background:#3e7bfa;color:#fff;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#3e7bfa}
header button{background:transparent;border-color:#52606d;color:#cbd2d9}
.error{color:#a61b1b;max-width:420px;word-break:break-word;font-family:ui-monospace,monospace;font-size:12px}
.login{max-width:360px;margin:80px auto;background:#fff;padding:28px;border:1px solid #e4e7eb;border-radius:6px}
.login input{width:100%;padding:8px;margin:6px 0 14px;font:inherit;border:1px solid #cbd2d9;border-radius:4px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px}
.chart{background:#fff;border:1px solid #e4e7eb;padding:12px}
.chart h3{margin:0 0 8px;font-size:14px}
.muted{color:#7b8794}
.toolbar{display:flex;gap:12px;align-items:center;margin-bottom:12px}
a{color:#2f64d6}
`;

/**
 * A console page: the navigation (with the logout form) around `children`.
 *
 * @example
 * <Layout title="Tenants" nonce={nonce} csrf={csrf}>...</Layout>
 */
export function Layout(props: { title: string; nonce: string; csrf?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Admin console`}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        {props.csrf ? (
          <header>
            <strong>Admin console</strong>
            <a href="/admin/console">Tenants</a>
            <a href="/admin/console/webhook-events">Webhook events</a>
            <a href="/admin/console/dead-letters">Dead letters</a>
            <form method="post" action="/admin/logout">
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">Log out</button>
            </form>
          </header>
        ) : null}
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A status as a coloured badge. */
export const Badge = (props: { status: string }) => (
  <span class={`badge s-${props.status}`}>{props.status}</span>
);
