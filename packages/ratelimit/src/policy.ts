/** @module Rate-limit policies: a rate per period with a burst, precomputed for GCRA. */

/** What a caller says about a limit. */
export interface PolicyInit {
  /** Name reported in the `RateLimit` headers and used in store keys: `[a-z0-9_-]`, 1 to 64 characters. */
  name: string;
  /** Requests (cost units) allowed per period, sustained. */
  rate: number;
  /** Period of `rate`, in milliseconds. */
  periodMs: number;
  /** Largest number of units allowed at once (the bucket size). Defaults to `rate`. */
  burst?: number;
}

/** A validated policy with its GCRA parameters. Create with {@link createPolicy}; treat as immutable. */
export interface Policy {
  readonly name: string;
  readonly rate: number;
  readonly periodMs: number;
  readonly burst: number;
  /** GCRA emission interval T: the time one unit takes to be replenished, in ms. */
  readonly emissionMs: number;
  /** GCRA tolerance: how far ahead of now the theoretical arrival time may run (T x burst), in ms. */
  readonly toleranceMs: number;
  /** The quota window reported in `RateLimit-Policy` (`w`): time to replenish a whole burst, in whole seconds. */
  readonly windowS: number;
}

const NAME = /^[a-z0-9_-]{1,64}$/;

/**
 * Validates a policy once, at configuration time, and precomputes its GCRA parameters.
 * GCRA (generic cell rate algorithm) keeps one timestamp per key: it admits `burst` units at once
 * and then exactly `rate` per `periodMs`, with no window edges to burst twice across.
 *
 * @param init - `{ name, rate, periodMs, burst = rate }`
 * @returns the policy
 * @throws Error on a bad name or a non-positive rate, period or burst
 * @example
 * const pro = createPolicy({ name: "pro", rate: 100, periodMs: 1_000, burst: 200 });
 */
export function createPolicy(init: PolicyInit): Policy {
  const { name, rate, periodMs } = init;
  const burst = init.burst ?? rate;
  if (!NAME.test(name))
    throw new Error(`ratelimit: policy name must match ${NAME}, got ${JSON.stringify(name)}`);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`ratelimit: policy ${name}: rate must be > 0`);
  if (!(periodMs > 0) || !Number.isFinite(periodMs))
    throw new Error(`ratelimit: policy ${name}: periodMs must be > 0`);
  if (!Number.isInteger(burst) || burst < 1)
    throw new Error(`ratelimit: policy ${name}: burst must be an integer >= 1`);
  const emissionMs = periodMs / rate;
  return Object.freeze({
    name,
    rate,
    periodMs,
    burst,
    emissionMs,
    toleranceMs: emissionMs * burst,
    windowS: Math.max(1, Math.ceil((emissionMs * burst) / 1000)),
  });
}

/**
 * The policy shared by every node divided among `nodes` processes: each gets `rate / nodes` and
 * `floor(burst / nodes)` (at least 1), so that all nodes together stay within the shared limit
 * while they cannot reach the shared store.
 *
 * @example
 * const local = dividePolicy(pro, 4); // 25 req/s, burst 50 per process
 */
export function dividePolicy(policy: Policy, nodes: number): Policy {
  if (nodes <= 1) return policy;
  return createPolicy({
    name: policy.name,
    rate: policy.rate / nodes,
    periodMs: policy.periodMs,
    burst: Math.max(1, Math.floor(policy.burst / nodes)),
  });
}
