/** @module The public edge of v1: signup, and the per-client limits in front of everything. */
import { failureLimit, ratelimit } from "@org/ratelimit/hono";
import { signupRoutes } from "@org/signup/hono";
import type { Hono } from "hono";
import type { PlatformDeps } from "../platform-deps.js";
import { ABUSE_POLICIES, type MountV1Options, type PlatformEnv, type Router } from "./v1.js";

/**
 * `POST /v1/tenants` (signup has no tenant yet: it sits before tenant resolution), limited per
 * client address when the service knows it.
 */
export function mountSignup(
  app: Hono<PlatformEnv>,
  deps: PlatformDeps,
  options: MountV1Options,
  mount: (router: Router) => void,
): void {
  const { signup, clientIp } = options;
  if (!signup) return;
  if (clientIp) {
    const signupPolicies = [ABUSE_POLICIES.signup];
    app.post(
      "/v1/tenants",
      ratelimit<PlatformEnv>({
        limiter: deps.limiter,
        key: (c) => {
          const ip = clientIp(c);
          return ip && `signup:${ip}`;
        },
        policies: () => signupPolicies,
      }),
    );
  }
  const source = options.tenants;
  mount(
    signupRoutes({
      signup,
      idempotencyStore: deps.idempotencyStore,
      ...("baseDomain" in source ? { baseDomain: source.baseDomain } : {}),
    }),
  );
}

/** Failed authentications (401s) limited per client address, so a client probing keys is held off. */
export function mountFailedAuthLimit(
  app: Hono<PlatformEnv>,
  deps: PlatformDeps,
  options: MountV1Options,
): void {
  const clientIp = options.clientIp;
  if (!clientIp) return;
  app.use(
    "/v1/*",
    failureLimit<PlatformEnv>({
      limiter: deps.limiter,
      key: (c) => {
        const ip = clientIp(c);
        return ip && `authfail:${ip}`;
      },
      policy: ABUSE_POLICIES.failedAuth,
    }),
  );
}
