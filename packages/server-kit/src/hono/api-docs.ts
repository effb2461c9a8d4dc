/** @module mountApiDocs(): /openapi.json and a /docs page rendered by Scalar, served from this process. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Env, Hono } from "hono";

/**
 * What the docs page may load: its two scripts and the document from this origin, the renderer's
 * injected styles and inline images. Nothing from another origin (the renderer's default fonts
 * are turned off), no eval, no framing.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API reference</title></head>
<body><div id="docs"></div>
<script src="/docs/assets/scalar.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>`;

// A file, not an inline script: the CSP then needs no 'unsafe-inline' and no hash for scripts.
const INIT = `Scalar.createApiReference("#docs", {
  url: "/openapi.json",
  withDefaultFonts: false,
  hideClientButton: true,
  telemetry: false,
});`;

// The standalone build bundles the renderer and its dependencies into one file; the package does
// not export it, so it is found beside the package's entry.
const standalonePath = (): string =>
  join(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "browser", "standalone.js");

/**
 * Serves `document` at `/openapi.json` and an API reference at `/docs` (Scalar's standalone build,
 * read from node_modules on first request: no CDN), under {@link DOCS_CONTENT_SECURITY_POLICY}.
 *
 * @param app - the service app
 * @param document - an OpenAPI 3.1 document
 * @example
 * mountApiDocs(app, { openapi: "3.1.0", info: { title: "webhook-worker", version: "1.0.0" }, paths });
 */
export function mountApiDocs<E extends Env>(app: Hono<E>, document: object): void {
  let renderer: Promise<string> | undefined;
  const csp = { "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY };
  app.get("/openapi.json", (c) => c.json(document));
  app.get("/docs", (c) => c.html(PAGE, 200, csp));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const script = {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=3600",
    };
    if (file === "init.js") return c.body(INIT, 200, script);
    if (file !== "scalar.js") return c.notFound();
    renderer ??= readFile(standalonePath(), "utf8");
    return c.body(await renderer, 200, script);
  });
}
