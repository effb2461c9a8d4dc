/** @module @org/signup: the signup saga, its compensations, the sweeper and card-less trials. */

export { activateStep } from "./activate-step.js";
export { apiKeyStep } from "./api-key-step.js";
export { identityStep } from "./identity-step.js";
export type { OutboundOnceOptions } from "./outbound-once.js";
export {
  createOutboundOnce,
  type OutboundOnce,
  type OutboundRecord,
  readOutbound,
  retireOutbound,
} from "./outbound-once.js";
export { type BillingPort, type IdentityPort, noopIdentity } from "./ports.js";
export { reserveStep } from "./reserve-step.js";
export {
  runSaga,
  type SagaHooks,
  type SagaOutcome,
  type SagaStep,
  type StepError,
  type StepFailure,
} from "./saga.js";
export {
  createSignup,
  type Signup,
  type SignupFailureReason,
  type SignupOptions,
  type SignupOutcome,
  type SignupRefusal,
  type SignupResult,
  type SignupRunOptions,
  type SignupStepErrorInfo,
  type SignupStepFailed,
  signupTenantId,
} from "./signup.js";
export { signupBillingPort } from "./signup-billing-port.js";
export type {
  SignupContext,
  SignupDeps,
  SignupInput,
  SignupStep,
  SignupStepFailure,
} from "./signup-context.js";
export { signupSteps } from "./signup-steps.js";
export {
  CHECKOUT_OPERATION,
  subscriptionStep,
  TRIAL_OPERATION,
  trialClaimStep,
} from "./subscription-steps.js";
export { createSweeper, type Sweeper, type SweeperOptions, type SweepResult } from "./sweeper.js";
export {
  CUSTOMER_OPERATION,
  createTenantCustomer,
  customerStep,
  deleteTenantCustomer,
} from "./tenant-customer.js";
export { StepTimeoutError, withTimeout } from "./timeout.js";
export { claimTrial, normaliseEmail, releaseTrial } from "./trial-claims.js";
