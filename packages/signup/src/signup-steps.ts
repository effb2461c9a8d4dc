/** @module The signup saga's steps in order, each with its compensation, testable one by one. */
import { activateStep } from "./activate-step.js";
import { apiKeyStep } from "./api-key-step.js";
import { identityStep } from "./identity-step.js";
import { reserveStep } from "./reserve-step.js";
import type { SignupDeps, SignupStep } from "./signup-context.js";
import { subscriptionStep, trialClaimStep } from "./subscription-steps.js";
import { customerStep } from "./tenant-customer.js";

/**
 * The steps of a signup in order: reserve the slug, create the customer, the identity provider's
 * organisation, the first API key, the trial claim, the trial or checkout session (paid plans),
 * activation.
 *
 * @example
 * await runSaga(signupSteps(deps), ctx);
 */
export function signupSteps(deps: SignupDeps): SignupStep[] {
  return [
    reserveStep(deps),
    customerStep(deps),
    identityStep(deps),
    apiKeyStep(deps),
    trialClaimStep(deps),
    subscriptionStep(deps),
    activateStep(deps),
  ];
}
