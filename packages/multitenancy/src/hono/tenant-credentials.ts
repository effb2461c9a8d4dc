/** @module The credentials of a request: `Authorization: Bearer <API key or JWT>` to a tenant id and principal. */
import { ProblemError } from "@org/problem/hono";
import type { ApiKeyPrincipal, ApiKeyService } from "../api-keys.js";
import type { JwtVerifier } from "../jwt.js";
import type { AuthPrincipal } from "./variables.js";

/** The tenant the credentials name and who they are; `undefined` for an anonymous request. */
export type Credentials = { tenantId: string; auth: AuthPrincipal } | undefined;

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const TOKEN = /^\S+$/;

/** The token of `Bearer <token>`; the common exact spelling is read without building a match. */
function bearerToken(authorization: string): string | undefined {
  if (authorization.startsWith("Bearer ")) {
    const token = authorization.slice(7);
    if (TOKEN.test(token)) return token;
  }
  return BEARER.exec(authorization)?.[1];
}

/** A JWT has exactly three dot-separated parts; an API key has no dot. */
function isJwt(token: string): boolean {
  const first = token.indexOf(".");
  if (first < 0) return false;
  const second = token.indexOf(".", first + 1);
  return second >= 0 && token.indexOf(".", second + 1) < 0;
}

/** A 401 with the `WWW-Authenticate` challenge. */
export const unauthorized = (detail: string) =>
  new ProblemError("unauthorized", { detail, headers: { "WWW-Authenticate": 'Bearer realm="api"' } });

/**
 * Maps a verified key's principal to its credentials: one frozen object per cached principal (the
 * key cache hands out the same object), since every request of that key shares it.
 */
function createApiKeyCredentials(): (principal: ApiKeyPrincipal | null | undefined) => Credentials {
  const byPrincipal = new WeakMap<ApiKeyPrincipal, NonNullable<Credentials>>();
  return (principal) => {
    if (!principal) throw unauthorized("Invalid API key.");
    let credentials = byPrincipal.get(principal);
    if (!credentials) {
      const auth = Object.freeze({ kind: "api_key", id: principal.keyId, scopes: principal.scopes } as const);
      credentials = Object.freeze({ tenantId: principal.tenantId, auth });
      byPrincipal.set(principal, credentials);
    }
    return credentials;
  };
}

/**
 * Reads the credentials of an `Authorization` header, throwing 401 when they are malformed, invalid
 * or of a kind not enabled. Answers at once from the key cache and returns a promise only on a miss:
 * a request of a known key goes through without one.
 */
export function createCredentialsReader(
  apiKeys: ApiKeyService | undefined,
  jwt: JwtVerifier | undefined,
): (authorization: string | undefined) => Credentials | Promise<Credentials> {
  const fromApiKey = createApiKeyCredentials();
  return (authorization) => {
    if (!authorization) return undefined;
    const token = bearerToken(authorization);
    if (!token) throw unauthorized("Authorization must be 'Bearer <API key or JWT>'.");
    if (isJwt(token)) {
      if (!jwt) throw unauthorized("JWT authentication is not enabled.");
      const result = jwt.verify(token);
      if (!result.ok) throw unauthorized(`Invalid token (${result.reason}).`);
      return {
        tenantId: result.claims.tenantId,
        auth: { kind: "jwt", id: result.claims.sub, scopes: result.claims.scopes },
      };
    }
    if (!apiKeys) throw unauthorized("API key authentication is not enabled.");
    const known = apiKeys.verifyCached(token);
    return known === undefined ? apiKeys.verify(token).then(fromApiKey) : fromApiKey(known);
  };
}
