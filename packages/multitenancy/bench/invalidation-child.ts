/** The receiving node of the invalidation benchmark: records how long each message took to arrive. */
import { Redis } from "ioredis";
import { createRedisBus, type Invalidation } from "../src/index.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const bus = await createRedisBus({ redis, channel: process.env.CHANNEL ?? "bench:{invalidate}" });
const latenciesMs: number[] = [];
bus.subscribe((m: Invalidation & { sentAt?: number; done?: boolean }) => {
  if (m.done) {
    process.send?.({ latenciesMs });
    void bus.close().then(() => {
      redis.disconnect();
      process.exit(0);
    });
  } else if (m.sentAt !== undefined) {
    latenciesMs.push(performance.timeOrigin + performance.now() - m.sentAt);
  }
});
process.send?.({ ready: true });
