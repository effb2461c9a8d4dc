import { describe, expect, it } from "vitest";
import { closeDb, createDb } from "./client.js";
import { ping } from "./ping.js";

describe("ping", () => {
  it("reports an embedded database as up", async () => {
    const db = createDb({ driver: "pglite" });
    // The first statement boots the WASM database, which takes seconds on a loaded machine: the
    // deadline here is not the subject.
    const result = await ping(db, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ ok: true, driver: "pglite" });
    await closeDb(db);
  });

  it("reports an unreachable Postgres as down instead of throwing", async () => {
    // Port 1 on loopback refuses connections immediately.
    const db = createDb({
      driver: "postgres",
      url: "postgres://x@127.0.0.1:1/none",
      connectTimeoutSeconds: 1,
    });
    const result = await ping(db, { timeoutMs: 3_000 });
    expect(result.ok).toBe(false);
    expect(result.driver).toBe("postgres");
    expect(result.error).toBeTruthy();
    await closeDb(db);
  });
});
