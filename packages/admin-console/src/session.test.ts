import { describe, expect, it } from "vitest";
import { createConsoleSessions } from "./session.js";

const TOKEN = "admin-token-0123456789abcdefghijklmnop";

describe("console sessions", () => {
  it("verifies its own cookie until it expires, then refuses it", () => {
    let now = 1_000_000;
    const sessions = createConsoleSessions({ adminToken: TOKEN, ttlMs: 60_000, clock: () => now });
    const { session, cookie } = sessions.issue();
    expect(sessions.verify(cookie)).toEqual(session);
    now += 59_999;
    expect(sessions.verify(cookie)).toEqual(session);
    now += 1;
    expect(sessions.verify(cookie)).toBeUndefined();
  });

  it("refuses a tampered expiry, a forged signature, another token's cookie and garbage", () => {
    const sessions = createConsoleSessions({ adminToken: TOKEN });
    const { cookie } = sessions.issue();
    const [id, expiry, signature] = cookie.split(".") as [string, string, string];
    expect(sessions.verify(`${id}.${Number(expiry) + 3_600_000}.${signature}`)).toBeUndefined();
    expect(sessions.verify(`${id}.${expiry}.${"A".repeat(43)}`)).toBeUndefined();
    const rotated = createConsoleSessions({ adminToken: `${TOKEN}-rotated` });
    expect(rotated.verify(cookie)).toBeUndefined();
    for (const bad of [undefined, "", "a.b.c", `${cookie}x`]) expect(sessions.verify(bad)).toBeUndefined();
  });

  it("binds CSRF tokens to their session and login nonce", () => {
    const sessions = createConsoleSessions({ adminToken: TOKEN });
    const a = sessions.issue().session;
    const b = sessions.issue().session;
    expect(sessions.csrfMatches(sessions.csrfFor(a), sessions.csrfFor(a))).toBe(true);
    expect(sessions.csrfMatches(sessions.csrfFor(b), sessions.csrfFor(a))).toBe(false);
    expect(sessions.csrfMatches(undefined, sessions.csrfFor(a))).toBe(false);
    const nonce = sessions.loginNonce();
    expect(sessions.loginCsrfFor(nonce)).not.toBe(sessions.loginCsrfFor(sessions.loginNonce()));
    expect(sessions.checkToken(TOKEN)).toBe(true);
    expect(sessions.checkToken(`${TOKEN}x`)).toBe(false);
  });

  it("refuses a short admin token at creation", () => {
    expect(() => createConsoleSessions({ adminToken: "short" })).toThrow(/at least 32/);
  });
});
