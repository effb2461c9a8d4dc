import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, post } from "../../test/test-app.js";
import { createMemoryStore } from "../memory-store.js";

// Over real HTTP, @hono/node-server's lightweight Response is in play: the middleware reads its
// buffered body without materialising it, and what goes out must still be exactly right.
describe("idempotency() behind @hono/node-server", () => {
  const { app, runs } = createTestApp({ store: createMemoryStore(), replayCache: false });
  let server: ReturnType<typeof serve>;
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the first response intact and replays it byte for byte", async () => {
    const key = randomUUID();
    const first = await fetch(`${base}/v1/things`, post(key, { note: "caf\u00e9" }));
    const firstBytes = new Uint8Array(await first.arrayBuffer());
    expect(first.status).toBe(201);
    expect(first.headers.get("set-cookie")).toBe("session=secret");
    expect(JSON.parse(new TextDecoder().decode(firstBytes))).toMatchObject({ echo: { note: "caf\u00e9" } });
    const replay = await fetch(`${base}/v1/things`, post(key, { note: "caf\u00e9" }));
    expect(replay.status).toBe(201);
    expect(new Uint8Array(await replay.arrayBuffer())).toEqual(firstBytes);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe(first.headers.get("location"));
    expect(replay.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(replay.headers.get("set-cookie")).toBeNull();
    expect(runs.things).toBe(1);
  });

  it("replays a 204 over HTTP too", async () => {
    const key = randomUUID();
    const init = { method: "DELETE", headers: { "Idempotency-Key": key } };
    expect((await fetch(`${base}/v1/things/1`, init)).status).toBe(204);
    const again = await fetch(`${base}/v1/things/1`, init);
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(runs.empty).toBe(1);
  });
});
