import { createTestRedis, redisAvailable, type TestRedis } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisBus, type Invalidation } from "./bus.js";

let r: TestRedis;
beforeAll(async () => {
  await redisAvailable();
  r = createTestRedis();
});
afterAll(() => r.cleanup());

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
});
