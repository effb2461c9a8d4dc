import { readFileSync } from "node:fs";
import { join } from "node:path";
import { envSchema as apiEnv } from "@org/api";
import { envSchema as cloudEnv } from "@org/cloud-api";
import { envSchema as workerEnv } from "@org/webhook-worker";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { findDockerfiles, ROOT } from "./dockerfiles.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** `${NAME:-default}` as Compose resolves it with nothing set: the default. */
const interpolate = (value: string) => value.replaceAll(/\$\{\w+:-([^}]*)\}/g, "$1");

const compose = load(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<string, Service>;
};
const services = compose.services;
const environmentOf = (name: string) =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );
const dockerfileOf = (name: string) => readFileSync(join(ROOT, services[name]!.build!.dockerfile), "utf8");
/** The container side of each `host:container` port mapping. */
const containerPorts = (name: string) =>
  (services[name]?.ports ?? []).map((p) => Number(p.split(":").at(-1)));

/** The services built from this repository, and the names each reads from its environment. */
const APPS: Record<string, z.ZodObject> = { api: apiEnv, "cloud-api": cloudEnv, "webhook-worker": workerEnv };

/** The variables the stand-in's command line reads (it has no zod schema: it is a test tool). */
const stripeFakeNames = new Set(
  [...readFileSync(join(ROOT, "tooling/stripe-fake/src/cli.ts"), "utf8").matchAll(/env\.([A-Z_]+)/g)].map(
    (m) => m[1],
  ),
);

describe("docker-compose.yml", () => {
  it("builds every service that has a Dockerfile, from that Dockerfile", () => {
    const built = Object.values(services)
      .map((s) => s.build?.dockerfile)
      .filter(Boolean)
      .sort();
    expect(built).toEqual(findDockerfiles());
    for (const s of Object.values(services)) if (s.build) expect(s.build.context).toBe(".");
  });

  it.each(Object.keys(APPS))(
    "gives %s only variables its env.ts declares, and a configuration it accepts",
    (name) => {
      const schema = APPS[name]!;
      const env = environmentOf(name);
      const declared = Object.keys(schema.shape);
      for (const key of Object.keys(env)) expect(declared, `${name}: ${key}`).toContain(key);
      const parsed = schema.safeParse(env);
      expect(parsed.error?.issues ?? [], name).toEqual([]);
    },
  );

  it("gives the Stripe stand-in only variables its command line reads", () => {
    for (const key of Object.keys(environmentOf("stripe-fake"))) expect(stripeFakeNames, key).toContain(key);
  });

  it.each([...Object.keys(APPS), "stripe-fake"])(
    "publishes %s on the port it listens on, which its Dockerfile exposes and health-checks",
    (name) => {
      const port = Number(environmentOf(name).PORT);
      expect(port, `${name} PORT`).toBeGreaterThan(0);
      expect(containerPorts(name)).toEqual([port]);
      const dockerfile = dockerfileOf(name);
      expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, "m"));
      expect(dockerfile).toMatch(new RegExp(`^ENV .*\\bPORT=${port}\\b`, "m"));
      expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD .*\/(_fake\/)?health/m);
      expect(dockerfile).toMatch(/^USER node$/m);
    },
  );

  it("points every service URL at a service of the file, on the port that service listens on", () => {
    const listening = (host: string) =>
      ({ postgres: 5432, redis: 6379 })[host] ?? Number(environmentOf(host).PORT);
    let checked = 0;
    for (const name of Object.keys(services)) {
      const env = environmentOf(name);
      for (const key of ["DATABASE_URL", "REDIS_URL", "STRIPE_API_BASE", "STRIPE_FAKE_WEBHOOK_URLS"]) {
        for (const value of env[key]?.split(",") ?? []) {
          const url = new URL(value);
          expect(Object.keys(services), `${name} ${key}`).toContain(url.hostname);
          expect(Number(url.port), `${name} ${key}`).toBe(listening(url.hostname));
          // The stand-in retries webhook deliveries instead: the worker depends on it, not the reverse.
          if (key !== "STRIPE_FAKE_WEBHOOK_URLS")
            expect(Object.keys(services[name]!.depends_on ?? {}), `${name} waits for it`).toContain(
              url.hostname,
            );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
    expect(environmentOf("stripe-fake").STRIPE_FAKE_WEBHOOK_URLS).toMatch(/\/webhooks\/stripe$/);
  });

  it("signs the stand-in's webhooks with the secret the webhook-worker verifies", () => {
    expect(environmentOf("stripe-fake").STRIPE_WEBHOOK_SECRET).toBe(
      environmentOf("webhook-worker").STRIPE_WEBHOOK_SECRET,
    );
  });

  it("gives the webhook-worker cloud-api's Redis and key prefix: its invalidations reach cloud-api's caches", () => {
    const cloud = environmentOf("cloud-api");
    const worker = environmentOf("webhook-worker");
    expect(worker.REDIS_URL).toBeDefined();
    expect(worker.REDIS_URL).toBe(cloud.REDIS_URL);
    expect(worker.REDIS_KEY_PREFIX).toBe(cloud.REDIS_KEY_PREFIX);
  });
});
