/** @module Prepaid credits: grants, consumption in priority order, expiry, balance, ledger. */
export { type CreditEntry, creditBalance, listCreditLedger } from "./balance.js";
export { type ConsumeRequest, consumeCredits, consumedBy, consumeInTransaction } from "./consume.js";
export {
  type CreditGrant,
  type GrantInput,
  type GrantRequest,
  grantCredits,
  grantInputSchema,
} from "./grant.js";
export { overageCredits } from "./overage-credits.js";
