import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningServer, serveNode } from "@org/server-kit/hono";
import { servicesRequired } from "@org/testing";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudHarness, createCloudHarness, silent } from "../test/harness.js";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DOCS_SCREENSHOT = fileURLToPath(new URL("../../../docs/api-docs.png", import.meta.url));

// Debian's chromium (`apt-get install chromium`; .ci/run installs it). Without it the test says so
// and skips, unless TEST_REQUIRE_SERVICES=1 (CI), where a missing browser fails the run.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && servicesRequired())
  throw new Error(`${CHROMIUM} is missing and TEST_REQUIRE_SERVICES=1 demands it: apt-get install chromium`);
if (!hasChromium)
  console.warn(`SKIPPED: the /docs browser test needs ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!hasChromium)("cloud-api /docs in a real browser under the real security headers", () => {
  let h: CloudHarness;
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    h = await createCloudHarness();
    server = await serveNode({
      fetch: h.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: silent(),
      exit: false,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    dir = await mkdtemp(join(tmpdir(), "cloud-docs-"));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders the API's operations with only same-origin requests and no CSP violation", async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith("data:"))
        foreign.push(request.url());
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(response?.headers()["x-frame-options"]).toBe("DENY");

    // The document's operations, rendered by the page's script (generous: a loaded 2-core machine):
    // the first tag's operations open, every tag of the surface listed.
    await page.getByText("Sign up an organisation", { exact: false }).first().waitFor({ timeout: 60_000 });
    for (const tag of ["tenant", "api-keys", "usage", "billing"]) {
      await page.getByText(tag, { exact: true }).first().waitFor({ timeout: 60_000 });
    }
    expect(await page.getByText("/v1/tenants").count()).toBeGreaterThan(0);
    const shot = join(dir, "docs.png");
    await page.screenshot({ path: shot });
    // The committed picture in docs/ is refreshed on request only: a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") await copyFile(shot, DOCS_SCREENSHOT);
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
  });
});
