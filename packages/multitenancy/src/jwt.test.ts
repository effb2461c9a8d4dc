import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createJwtVerifier, signJwt } from "./jwt.js";

const SECRET = "ssssssssssssssss0123456789abcdefXYZ";
const NOW = 1_800_000_000;
const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const hmac = (input: string, key: string | Buffer) =>
  createHmac("sha256", key).update(input).digest("base64url");
const verifier = (extra: Partial<Parameters<typeof createJwtVerifier>[0]> = {}) =>
  createJwtVerifier({ secret: SECRET, nowSeconds: () => NOW, ...extra });
const good = { tid: "ten_a", sub: "user_1", exp: NOW + 600 };

describe("JWT verification", () => {
  it("accepts a valid HS256 token and reads the tenant and scopes", () => {
    const result = verifier().verify(signJwt({ ...good, scope: "api_keys:read usage:write" }, SECRET));
    expect(result).toMatchObject({
      ok: true,
      claims: { tenantId: "ten_a", sub: "user_1", scopes: ["api_keys:read", "usage:write"] },
    });
  });

  it("gives a token without a scope claim no scopes, or the configured default", () => {
    expect(verifier().verify(signJwt(good, SECRET))).toMatchObject({ ok: true, claims: { scopes: [] } });
    expect(verifier({ defaultScopes: ["tenant:read"] }).verify(signJwt(good, SECRET))).toMatchObject({
      ok: true,
      claims: { scopes: ["tenant:read"] },
    });
  });

  it("refuses alg none, with or without a signature", () => {
    const h = b64({ alg: "none", typ: "JWT" });
    const p = b64(good);
    expect(verifier().verify(`${h}.${p}.`)).toEqual({ ok: false, reason: "malformed" });
    expect(verifier().verify(`${h}.${p}.${hmac(`${h}.${p}`, SECRET)}`)).toEqual({
      ok: false,
      reason: "unsupported_alg",
    });
    const none2 = b64({ alg: "None" });
    expect(verifier().verify(`${none2}.${p}.${hmac(`${none2}.${p}`, SECRET)}`).ok).toBe(false);
  });

  it.each(["HS384", "HS512", "RS256", "ES256", "PS256", "hs256"])(
    "refuses alg %s even when signed with the secret",
    (alg) => {
      const h = b64({ alg, typ: "JWT" });
      const p = b64(good);
      expect(verifier().verify(`${h}.${p}.${hmac(`${h}.${p}`, SECRET)}`)).toEqual({
        ok: false,
        reason: "unsupported_alg",
      });
    },
  );

  it("refuses alg confusion: an RS256 token, and an HS256 token keyed with a public key", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const rs = b64({ alg: "RS256", typ: "JWT" });
    const p = b64(good);
    const rsSig = sign("sha256", Buffer.from(`${rs}.${p}`), privateKey).toString("base64url");
    expect(verifier().verify(`${rs}.${p}.${rsSig}`).ok).toBe(false);
    // The classic attack: HS256 with the server's public key as the HMAC secret.
    const hs = b64({ alg: "HS256", typ: "JWT" });
    expect(verifier().verify(`${hs}.${p}.${hmac(`${hs}.${p}`, pem)}`)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses an expired token, beyond the skew only", () => {
    expect(verifier().verify(signJwt({ ...good, exp: NOW - 31 }, SECRET))).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(verifier().verify(signJwt({ ...good, exp: NOW - 29 }, SECRET)).ok).toBe(true);
    expect(verifier({ clockSkewSeconds: 0 }).verify(signJwt({ ...good, exp: NOW - 1 }, SECRET)).ok).toBe(
      false,
    );
  });

  it("requires exp", () => {
    const { exp: _, ...noExp } = good;
    expect(verifier().verify(signJwt(noExp, SECRET))).toEqual({ ok: false, reason: "missing_exp" });
    expect(verifier().verify(signJwt({ ...good, exp: "9999999999" }, SECRET))).toEqual({
      ok: false,
      reason: "missing_exp",
    });
  });

  it("refuses nbf and iat in the future beyond the skew", () => {
    expect(verifier().verify(signJwt({ ...good, nbf: NOW + 60 }, SECRET)).ok).toBe(false);
    expect(verifier().verify(signJwt({ ...good, iat: NOW + 60 }, SECRET)).ok).toBe(false);
    expect(verifier().verify(signJwt({ ...good, nbf: NOW + 10, iat: NOW + 10 }, SECRET)).ok).toBe(true);
  });

  it("refuses a token signed with another secret", () => {
    const other = signJwt(good, "o".repeat(40));
    expect(verifier().verify(other)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a tampered payload or header", () => {
    const [h, , s] = signJwt(good, SECRET).split(".");
    expect(verifier().verify(`${h}.${b64({ ...good, tid: "ten_b" })}.${s}`)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    const h2 = b64({ alg: "HS256", typ: "JWT", kid: "x" });
    const [, p2, s2] = signJwt(good, SECRET).split(".");
    expect(verifier().verify(`${h2}.${p2}.${s2}`).ok).toBe(false);
    expect(verifier().verify(`${h}.${p2}.${s2}x`).ok).toBe(false);
  });

  it("refuses malformed tokens", () => {
    for (const token of [
      "",
      "a.b",
      "a.b.c.d",
      "!!.!!.!!",
      `${b64("not json")}.${b64(good)}.x`,
      `${b64([1])}.${b64(good)}.x`,
    ]) {
      expect(verifier().verify(token).ok).toBe(false);
    }
  });

  it("refuses a critical header extension", () => {
    const h = b64({ alg: "HS256", crit: ["exp"] });
    const p = b64(good);
    expect(verifier().verify(`${h}.${p}.${hmac(`${h}.${p}`, SECRET)}`).ok).toBe(false);
  });

  it("checks iss and aud when configured", () => {
    const v = verifier({ issuer: "https://auth.test", audience: "api" });
    expect(v.verify(signJwt({ ...good, iss: "https://auth.test", aud: ["x", "api"] }, SECRET)).ok).toBe(true);
    expect(v.verify(signJwt({ ...good, iss: "https://evil.test", aud: "api" }, SECRET))).toEqual({
      ok: false,
      reason: "issuer",
    });
    expect(v.verify(signJwt({ ...good, iss: "https://auth.test", aud: "web" }, SECRET))).toEqual({
      ok: false,
      reason: "audience",
    });
    expect(v.verify(signJwt({ ...good, iss: "https://auth.test" }, SECRET))).toEqual({
      ok: false,
      reason: "audience",
    });
  });

  it("requires the tenant claim", () => {
    expect(verifier().verify(signJwt({ exp: NOW + 60 }, SECRET))).toEqual({
      ok: false,
      reason: "missing_tenant",
    });
    expect(
      verifier({ tenantClaim: "org" }).verify(signJwt({ org: "ten_z", exp: NOW + 60 }, SECRET)),
    ).toMatchObject({
      ok: true,
      claims: { tenantId: "ten_z" },
    });
  });

  it("refuses a short secret at creation with a clear message, and an unbounded skew", () => {
    expect(() => createJwtVerifier({ secret: "short" })).toThrowError(/at least 32 characters/);
    expect(() => createJwtVerifier({ secret: "x".repeat(31) })).toThrowError(/at least 32 characters/);
    expect(() => createJwtVerifier({ secret: SECRET, clockSkewSeconds: 3600 })).toThrowError(/clock skew/);
    expect(() => createJwtVerifier({ secret: "x".repeat(32) })).not.toThrow();
  });
});
