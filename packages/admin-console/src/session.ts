/** @module Console sessions: signed, expiring cookies and the CSRF tokens bound to them. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Options of {@link createConsoleSessions}.
 *
 * @example
 * createConsoleSessions({ adminToken: env.ADMIN_TOKEN, ttlMs: 8 * 3_600_000 });
 */
export interface ConsoleSessionsOptions {
  /** The admin token (at least 32 characters): what the login form checks, and the signing key's root. */
  adminToken: string;
  /** Lifetime of a session. Default 8 hours. */
  ttlMs?: number;
  /** Epoch milliseconds; injected so tests control expiry. */
  clock?: () => number;
}

export interface ConsoleSession {
  id: string;
  expiresAtMs: number;
}

const MIN_ADMIN_TOKEN = 32;
const DEFAULT_TTL_MS = 8 * 3_600_000;

const sha256 = (value: string) => createHash("sha256").update(value).digest();

/** Equal digests compared in constant time: neither content nor length of either value leaks. */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(sha256(given), sha256(expected));

/**
 * Stateless console sessions: the cookie is `id.expiry.signature` (HMAC-SHA256 under a key derived
 * from the admin token), so every node verifies it without shared storage, and rotating
 * ADMIN_TOKEN ends every session. CSRF tokens are HMACs of the session id (or, before login, of a
 * nonce kept in a cookie), so a form is accepted only from a page this server rendered for that
 * browser.
 *
 * @throws {Error} at creation when the admin token is shorter than 32 characters
 * @example
 * const sessions = createConsoleSessions({ adminToken });
 * const cookie = sessions.issue().cookie;
 * sessions.verify(cookie); // { id, expiresAtMs }
 */
export function createConsoleSessions(options: ConsoleSessionsOptions) {
  const { adminToken, ttlMs = DEFAULT_TTL_MS, clock = Date.now } = options;
  if (typeof adminToken !== "string" || adminToken.length < MIN_ADMIN_TOKEN)
    throw new Error(`The admin token must be at least ${MIN_ADMIN_TOKEN} characters`);
  const key = createHmac("sha256", adminToken).update("admin-console/v1").digest();
  const sign = (purpose: string, value: string) =>
    createHmac("sha256", key).update(`${purpose}:${value}`).digest("base64url");

  return {
    ttlMs,
    /** Whether `token` is the admin token (constant time). */
    checkToken: (token: string) => sameSecret(token, adminToken),
    /** A new session and its cookie value. */
    issue(): { session: ConsoleSession; cookie: string } {
      const id = randomBytes(18).toString("base64url");
      const expiresAtMs = clock() + ttlMs;
      const body = `${id}.${expiresAtMs}`;
      return { session: { id, expiresAtMs }, cookie: `${body}.${sign("session", body)}` };
    },
    /** The session of a cookie value, or undefined when forged, malformed or expired. */
    verify(cookie: string | undefined): ConsoleSession | undefined {
      const match = /^([A-Za-z0-9_-]{24})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? "");
      if (!match) return undefined;
      const [, id, expiry, signature] = match as unknown as [string, string, string, string];
      if (!sameSecret(signature, sign("session", `${id}.${expiry}`))) return undefined;
      const expiresAtMs = Number(expiry);
      return clock() < expiresAtMs ? { id, expiresAtMs } : undefined;
    },
    /** The CSRF token of a session's forms. */
    csrfFor: (session: ConsoleSession) => sign("csrf", session.id),
    /** A fresh nonce for the login form's cookie. */
    loginNonce: () => randomBytes(18).toString("base64url"),
    /** The CSRF token of the login form bound to the nonce cookie. */
    loginCsrfFor: (nonce: string) => sign("login", nonce),
    /** Constant-time check of a submitted CSRF token. */
    csrfMatches: (given: string | undefined, expected: string) =>
      typeof given === "string" && sameSecret(given, expected),
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
