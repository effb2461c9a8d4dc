/** @module Expected billing failures, each with its problem code. */
import type { ErrorCode } from "@org/problem";

/** An expected refusal (plan unknown, subscription exists...): routes turn it into problem+json. */
export class BillingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BillingError";
  }
}
