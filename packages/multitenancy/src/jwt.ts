/** @module JWT verification, HS256 only, with node:crypto: no algorithm negotiation to attack. */
import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The shortest HS256 secret we accept: shorter ones can be brute-forced offline from one token.
 *
 * @example
 * if (secret.length < MIN_JWT_SECRET_LENGTH) throw new Error("JWT_SECRET too short");
 */
export const MIN_JWT_SECRET_LENGTH = 32;
/**
 * Clock skew is capped so a misconfiguration cannot make expired tokens live for hours.
 *
 * @example
 * createJwtVerifier({ secret, clockSkewSeconds: MAX_CLOCK_SKEW_SECONDS });
 */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Options of {@link createJwtVerifier}.
 *
 * @example
 * createJwtVerifier({ secret, issuer: "https://auth.example.com", audience: "api" });
 */
export interface JwtOptions {
  /** At least 32 characters. */
  secret: string;
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `aud` (a string or an array) must contain it. */
  audience?: string;
  /** Tolerance for `exp`, `nbf`, `iat`, 0 to 300. @default 30 */
  clockSkewSeconds?: number;
  /** Claim naming the tenant id. @default "tid" */
  tenantClaim?: string;
  /** @default () => Date.now() / 1000 */
  nowSeconds?: () => number;
  /**
   * Scopes of a token without a `scope` claim. None by default: a token that names no scope can
   * reach no route that needs one. @default []
   */
  defaultScopes?: readonly string[];
}

/**
 * Why a token was refused.
 *
 * @example
 * if (!result.ok) log.info({ reason: result.reason }, "jwt.refused");
 */
export type JwtFailure =
  | "malformed"
  | "unsupported_alg"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "missing_exp"
  | "issuer"
  | "audience"
  | "missing_tenant";

/**
 * What a valid token says.
 *
 * @example
 * if (result.ok) console.log(result.claims.tenantId);
 */
export interface JwtClaims {
  tenantId: string;
  sub?: string;
  scopes: string[];
  payload: Record<string, unknown>;
}

/**
 * The outcome of a verification.
 *
 * @example
 * const result: JwtResult = jwt.verify(token);
 */
export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: JwtFailure };

/**
 * An HS256 verifier.
 *
 * @example
 * const result = createJwtVerifier({ secret }).verify(token);
 */
export interface JwtVerifier {
  verify(token: string): JwtResult;
}

const decodeJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Creates an HS256 verifier. The header's `alg` must be exactly `HS256`: `none`, `HS384`, `RS256`
 * and the rest are refused before any key is used, which closes alg confusion (an RS256 public key
 * used as an HMAC secret) by construction. The signature is compared in constant time.
 *
 * @throws {Error} when the secret is shorter than 32 characters or the skew is out of range
 * @example
 * const jwt = createJwtVerifier({ secret: env.JWT_SECRET, issuer: "https://auth.example.com" });
 * const result = jwt.verify(token);
 */
export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  const {
    secret,
    issuer,
    audience,
    clockSkewSeconds = 30,
    tenantClaim = "tid",
    nowSeconds = () => Date.now() / 1000,
    defaultScopes = [],
  } = options;
  if (typeof secret !== "string" || secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(
      `JWT secret must be at least ${MIN_JWT_SECRET_LENGTH} characters (got ${secret?.length ?? 0}); ` +
        "generate one with: openssl rand -base64 48",
    );
  }
  if (!(clockSkewSeconds >= 0 && clockSkewSeconds <= MAX_CLOCK_SKEW_SECONDS)) {
    throw new Error(`JWT clock skew must be between 0 and ${MAX_CLOCK_SKEW_SECONDS} seconds`);
  }
  const key = Buffer.from(secret, "utf8");
  return {
    verify(token) {
      const parts = token.split(".");
      if (parts.length !== 3 || !parts.every((p) => B64URL.test(p)))
        return { ok: false, reason: "malformed" };
      const [h, p, s] = parts as [string, string, string];
      const header = decodeJson(h);
      if (!header) return { ok: false, reason: "malformed" };
      if (header.alg !== "HS256") return { ok: false, reason: "unsupported_alg" };
      // We understand no critical extensions, so a token that demands one must be refused (RFC 7515).
      if (header.crit !== undefined) return { ok: false, reason: "malformed" };
      const expected = createHmac("sha256", key).update(`${h}.${p}`).digest();
      const given = Buffer.from(s, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: "bad_signature" };
      }
      const payload = decodeJson(p);
      if (!payload) return { ok: false, reason: "malformed" };
      const now = nowSeconds();
      if (typeof payload.exp !== "number" || !Number.isFinite(payload.exp))
        return { ok: false, reason: "missing_exp" };
      if (now > payload.exp + clockSkewSeconds) return { ok: false, reason: "expired" };
      if (
        payload.nbf !== undefined &&
        !(typeof payload.nbf === "number" && now + clockSkewSeconds >= payload.nbf)
      ) {
        return { ok: false, reason: "not_yet_valid" };
      }
      if (
        payload.iat !== undefined &&
        !(typeof payload.iat === "number" && payload.iat <= now + clockSkewSeconds)
      ) {
        return { ok: false, reason: "not_yet_valid" };
      }
      if (issuer !== undefined && payload.iss !== issuer) return { ok: false, reason: "issuer" };
      if (audience !== undefined) {
        const aud = payload.aud;
        const ok = aud === audience || (Array.isArray(aud) && aud.includes(audience));
        if (!ok) return { ok: false, reason: "audience" };
      }
      const tenantId = payload[tenantClaim];
      if (typeof tenantId !== "string" || tenantId === "") return { ok: false, reason: "missing_tenant" };
      const scope = payload.scope;
      return {
        ok: true,
        claims: {
          tenantId,
          sub: typeof payload.sub === "string" ? payload.sub : undefined,
          scopes: typeof scope === "string" ? scope.split(" ").filter(Boolean) : [...defaultScopes],
          payload,
        },
      };
    },
  };
}

/**
 * Signs an HS256 JWT (for issuers, tests and tools; the platform itself only verifies).
 *
 * @throws {Error} when the secret is shorter than 32 characters
 * @example
 * const token = signJwt({ tid: tenant.id, exp: Math.floor(Date.now() / 1000) + 3600 }, secret);
 */
export function signJwt(payload: Record<string, unknown>, secret: string): string {
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`JWT secret must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  }
  const h = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const p = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const s = createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url");
  return `${h}.${p}.${s}`;
}
