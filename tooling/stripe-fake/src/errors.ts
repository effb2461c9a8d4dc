/** @module Stripe's error body (`{error: {type, code, message, param}}`) and the statuses it comes with. */

/** Stripe's error types, as the SDK maps them to error classes. */
export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error"
  | "rate_limit_error"
  | "authentication_error";

/** Fields of Stripe's error object. */
export interface StripeErrorInit {
  code?: string;
  param?: string;
  declineCode?: string;
  /** Extra fields copied into the error object (e.g. `payment_method`). */
  extra?: Record<string, unknown>;
  /**
   * Whether an idempotency key stores this response. Stripe saves a result only once the endpoint
   * started executing: parameter validation failures are not saved, card declines are.
   */
  saved?: boolean;
}

/**
 * An error the fake answers in Stripe's wire format.
 *
 * @example
 * throw new StripeFakeError(404, "invalid_request_error", "No such customer: 'cus_x'", { code: "resource_missing", param: "id" });
 */
export class StripeFakeError extends Error {
  readonly saved: boolean;

  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly init: StripeErrorInit = {},
  ) {
    super(message);
    this.name = "StripeFakeError";
    this.saved = init.saved ?? !(status === 400 && type === "invalid_request_error");
  }

  /** The JSON body Stripe sends. */
  body(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    if (this.init.code) error.code = this.init.code;
    if (this.init.param) error.param = this.init.param;
    if (this.init.declineCode) error.decline_code = this.init.declineCode;
    if (this.init.code)
      error.doc_url = `https://stripe.com/docs/error-codes/${this.init.code.replaceAll("_", "-")}`;
    return { error: { ...error, ...this.init.extra } };
  }
}

/**
 * 404 `resource_missing` as Stripe words it.
 *
 * @example
 * throw resourceMissing("customer", "cus_x");
 */
export function resourceMissing(kind: string, id: string, param = "id"): StripeFakeError {
  return new StripeFakeError(404, "invalid_request_error", `No such ${kind}: '${id}'`, {
    code: "resource_missing",
    param,
    saved: true,
  });
}

/**
 * 400 `invalid_request_error` for a bad or missing parameter.
 *
 * @example
 * throw invalidParam("customer", "Missing required param: customer.", "parameter_missing");
 */
export function invalidParam(param: string, message: string, code = "parameter_invalid"): StripeFakeError {
  return new StripeFakeError(400, "invalid_request_error", message, { code, param });
}

/**
 * 400 for a request that is well formed but not allowed in the object's current state.
 *
 * @example
 * throw invalidState("This subscription is already canceled.");
 */
export function invalidState(message: string, code = "resource_invalid_state"): StripeFakeError {
  return new StripeFakeError(400, "invalid_request_error", message, { code, saved: true });
}
