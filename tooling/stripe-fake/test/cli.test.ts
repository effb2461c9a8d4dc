import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const run = promisify(execFile);
const CLI = new URL("../src/cli.ts", import.meta.url).pathname;
const SECRET = "whsec_cli";

describe("the stripe-fake CLI", () => {
  let server: ChildProcess;
  let receiver: WebhookReceiver;
  let base: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    server = spawn(process.execPath, ["--import", "tsx", CLI, "start"], {
      env: {
        ...process.env,
        PORT: "0",
        STRIPE_FAKE_WEBHOOK_URLS: receiver.url,
        STRIPE_WEBHOOK_SECRET: SECRET,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    base = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1] as string);
      });
      server.once("exit", (code) => reject(new Error(`stripe-fake exited with ${code}`)));
    });
  });
  afterAll(async () => {
    server.kill("SIGTERM");
    await receiver.close();
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", CLI, ...args], {
      env: { ...process.env, STRIPE_API_BASE: base },
    });

  it("triggers a fixture by event name and the event reaches the webhook URL", async () => {
    const { stdout } = await cli("trigger", "payment_method.attached");
    expect(stdout).toContain("Trigger succeeded: payment_method.attached");
    await expect.poll(() => receiver.types(), { timeout: 10_000 }).toContain("payment_method.attached");
    expect(receiver.rejected).toEqual([]);
  });

  it("advances the running fake's clock", async () => {
    const before = ((await (await fetch(`${base}/_fake/clock`)).json()) as { now: number }).now;
    const { stdout } = await cli("advance", "2d");
    expect(stdout).toContain("clock at");
    const after = ((await (await fetch(`${base}/_fake/clock`)).json()) as { now: number }).now;
    expect(after - before).toBeGreaterThanOrEqual(2 * 86_400);
  });

  it("refuses an unknown command", async () => {
    const error = await cli("launch").catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
  });
});
