import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { lazyLogger } from "./lazy-logger.js";
import { createLogger } from "./logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, logger: createLogger({ service: "t", level: "debug", destination }) };
}

describe("lazyLogger", () => {
  it("builds the child on first use only, once, and logs through it with its bindings", () => {
    const { lines, logger } = capture();
    let made = 0;
    const log = lazyLogger(() => {
      made++;
      return logger.child({ requestId: "req_1" });
    });
    expect(made).toBe(0);
    log.info({ apiKey: { secret: "sk_live_x" } }, "first");
    log.debug("second");
    expect(made).toBe(1);
    expect(lines).toMatchObject([
      { requestId: "req_1", msg: "first", apiKey: { secret: "[redacted]" }, service: "t" },
      { requestId: "req_1", msg: "second" },
    ]);
    expect(log.isLevelEnabled("trace")).toBe(false);
    expect(log.level).toBe("debug");
    log.level = "warn";
    log.info("dropped");
    expect(lines).toHaveLength(2);
    expect(log.child({ extra: 1 }).bindings()).toMatchObject({ requestId: "req_1", extra: 1 });
  });

  it("never builds a child nobody uses", () => {
    let made = 0;
    lazyLogger(() => {
      made++;
      return capture().logger;
    });
    expect(made).toBe(0);
  });

  it("keeps each request's logger apart (the proxy handler is shared)", () => {
    const { lines, logger } = capture();
    const a = lazyLogger(() => logger.child({ requestId: "req_a" }));
    const b = lazyLogger(() => logger.child({ requestId: "req_b" }));
    b.info("from b");
    a.info("from a");
    b.info("b again");
    expect(lines.map((l) => `${l.requestId} ${l.msg}`)).toEqual([
      "req_b from b",
      "req_a from a",
      "req_b b again",
    ]);
  });
});
