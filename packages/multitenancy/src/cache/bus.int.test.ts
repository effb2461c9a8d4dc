import { createTestRedis, redisAvailable, startTcpProxy, type TestRedis } from "@org/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedisBus, type Invalidation } from "./bus.js";

let r: TestRedis;
beforeAll(async () => {
  await redisAvailable();
  r = createTestRedis();
});
afterAll(() => r.cleanup());

/** A logger that keeps what it is told. */
const recordingLogger = () => {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  return { warnings, warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }) };
};

const waitFor = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

const next = (received: Invalidation[], count: number) =>
  new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (received.length >= count) {
        clearInterval(check);
        resolve();
      }
    }, 2);
  });

describe("Redis invalidation bus", () => {
  it("delivers to every node, the publisher first (synchronously)", async () => {
    const channel = `${r.prefix}bus1`;
    const [a, b] = await Promise.all([
      createRedisBus({ redis: r.connect(), channel }),
      createRedisBus({ redis: r.connect(), channel }),
    ]);
    const gotA: Invalidation[] = [];
    const gotB: Invalidation[] = [];
    a.subscribe((m) => gotA.push(m));
    b.subscribe((m) => gotB.push(m));
    const publishing = a.publish({ tenantId: "ten_1", slug: "acme" });
    expect(gotA[0]).toEqual({ tenantId: "ten_1", slug: "acme" }); // before the round trip
    await publishing;
    await next(gotB, 1);
    expect(gotB[0]).toEqual({ tenantId: "ten_1", slug: "acme" });
    await Promise.all([a.close(), b.close()]);
  });

  it("tells its handlers to drop everything after the subscriber reconnects (messages may have been lost)", async () => {
    const channel = `${r.prefix}bus2`;
    const name = `${r.prefix.replace(/[^A-Za-z0-9]/g, "")}sub`;
    const bus = await createRedisBus({ redis: r.connect(), channel, connectionName: name });
    const got: Invalidation[] = [];
    bus.subscribe((m) => got.push(m));
    const admin = r.connect();
    const list = (await admin.call("CLIENT", "LIST")) as string;
    const line = list.split("\n").find((l) => l.includes(`name=${name} `));
    const id = /id=(\d+)/.exec(line ?? "")?.[1];
    expect(id).toBeDefined();
    await admin.call("CLIENT", "KILL", "ID", id!);
    await next(got, 1);
    expect(got[0]).toEqual({ all: true });
    // And it still receives messages after the reconnect.
    await admin.publish(channel, JSON.stringify({ tenantId: "ten_after" }));
    await next(got, 2);
    expect(got[1]).toEqual({ tenantId: "ten_after" });
    await bus.close();
  });

  describe("when the subscriber connection fails", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it("takes an error event of the subscriber connection as a log line, not an exception", async () => {
      const publisher = r.connect();
      const duplicate = publisher.duplicate.bind(publisher);
      let subscriber: Redis | undefined;
      publisher.duplicate = (...args: Parameters<Redis["duplicate"]>) => {
        subscriber = duplicate(...args);
        return subscriber;
      };
      const logger = recordingLogger();
      const channel = `${r.prefix}bus3`;
      const bus = await createRedisBus({ redis: publisher, channel, logger });
      const blip = new Error("read ECONNRESET");
      // EventEmitter throws an "error" event nobody listens to.
      expect(() => subscriber!.emit("error", blip)).not.toThrow();
      expect(logger.warnings).toEqual([
        { obj: { err: blip, channel }, msg: "invalidation_bus.subscriber_error" },
      ]);
      await bus.close();
    });

    it("survives Redis going away (no unhandled error event), logs it once, then drops the caches and delivers again", async () => {
      const target = new URL(r.url);
      const proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
      const publisher = new Redis({
        host: "127.0.0.1",
        port: proxy.port,
        maxRetriesPerRequest: 1,
        retryStrategy: () => 20,
      });
      publisher.on("error", () => {}); // the test's own connection: only the bus's subscriber is under test
      const consoleErrors = vi.spyOn(console, "error");
      const logger = recordingLogger();
      const channel = `${r.prefix}bus4`;
      const bus = await createRedisBus({ redis: publisher, channel, logger });
      const got: Invalidation[] = [];
      bus.subscribe((m) => got.push(m));

      await proxy.cut();
      await waitFor(() => logger.warnings.length > 0);
      // Several reconnect attempts fail while it is away; still one line for the outage.
      await new Promise((r) => setTimeout(r, 200));
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatchObject({
        msg: "invalidation_bus.subscriber_error",
        obj: { channel },
      });
      await proxy.restore();

      await next(got, 1);
      expect(got[0]).toEqual({ all: true });
      const admin = r.connect();
      await admin.publish(channel, JSON.stringify({ tenantId: "ten_back" }));
      await next(got, 2);
      expect(got[1]).toEqual({ tenantId: "ten_back" });
      const unhandled = consoleErrors.mock.calls.filter((call) =>
        String(call[0]).includes("Unhandled error event"),
      );
      expect(unhandled).toEqual([]);

      await bus.close();
      publisher.disconnect();
      await proxy.close();
    });
  });
});
