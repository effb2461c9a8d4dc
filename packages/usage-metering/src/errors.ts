/** @module Errors metering throws for input a caller can fix. */

export interface UsageIssue {
  /** e.g. `events.3.timestamp` */
  path: string;
  message: string;
}

/**
 * Bad input (unknown meter, a timestamp too far in the future or too old, a batch too big...).
 * The HTTP routes answer it as 400 `validation_failed` listing the issues.
 *
 * @example
 * try { await metering.ingest(tenantId, events); }
 * catch (e) { if (e instanceof UsageInputError) console.log(e.issues); }
 */
export class UsageInputError extends Error {
  readonly code = "validation_failed" as const;
  readonly retryable = false;
  readonly issues: UsageIssue[];

  constructor(issues: UsageIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    this.name = "UsageInputError";
    this.issues = issues;
  }
}
