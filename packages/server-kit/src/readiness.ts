/** @module What a readiness check is and reports: the contract between a dependency and /ready. */

/** What a check reports. `error` (a driver's message) is logged, never shown in /ready. */
export interface CheckResult {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/**
 * Why /ready calls a dependency down, a stable word instead of the driver's message (which can
 * name hosts, users or databases): `timeout` (no answer within the deadline) or `unreachable`.
 */
export type DownReason = "timeout" | "unreachable";

/** A readiness check; it must not throw (a throw counts as down) and should answer within its deadline. */
export type ReadinessCheck = () => Promise<CheckResult>;
