/** @module The Redis store's batches: what one tick gathers, how it is split into script calls, how replies settle it. */
import { hashTagOf } from "./key.js";
import type { Policy } from "./policy.js";
import { RateLimitStoreError, type StoreDecision } from "./store.js";

/** The requests of one key under one policy set, gathered in one tick. */
export interface Batch {
  key: string;
  policies: readonly Policy[];
  costs: number[];
  leases: number[];
  resolves: ((d: StoreDecision) => void)[];
  rejects: ((e: unknown) => void)[];
  /** Another batch for the same key in the same tick (other policies, or this one full). */
  next: Batch | undefined;
  settled: boolean;
  /** The tick this batch was sent in: its timeout is cleared once all its batches are settled. */
  tick: Tick | undefined;
}

interface Tick {
  open: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One script call: the batches it carries, its KEYS and its numbers (packed into ARGV[1]). */
export interface Call {
  batches: Batch[];
  keys: string[];
  numbers: number[];
  decisions: number;
}

/** How a tick's batches become script calls. */
export interface TickOptions {
  prefix: string;
  crossKey: boolean;
  maxBatch: number;
  timeoutMs: number;
  send: (call: Call) => void;
}

function done(b: Batch): void {
  b.settled = true;
  const tick = b.tick;
  if (tick && --tick.open === 0 && tick.timer) clearTimeout(tick.timer);
}

/** Rejects a batch's requests, unless it is settled already (answered, failed or timed out). */
export function fail(b: Batch, error: unknown): void {
  if (b.settled) return;
  done(b);
  for (const reject of b.rejects) reject(error);
}

/** Per policy set: the script's policy numbers in microseconds, computed once. */
const policyArgs = new WeakMap<readonly Policy[], number[]>();
function argsOf(policies: readonly Policy[]): number[] {
  let args = policyArgs.get(policies);
  if (!args) {
    args = [policies.length];
    for (const p of policies) args.push(p.emissionMs * 1000, p.toleranceMs * 1000);
    policyArgs.set(policies, args);
  }
  return args;
}

/** The call's numbers as little-endian doubles: G, then each batch's (see redis-script.ts). */
export function pack(call: Call): Buffer {
  const out = Buffer.allocUnsafe((call.numbers.length + 1) * 8);
  out.writeDoubleLE(call.batches.length, 0);
  for (let i = 0; i < call.numbers.length; i++) out.writeDoubleLE(call.numbers[i]!, (i + 1) * 8);
  return out;
}

/** The script's answer for a group whose keys hold something else than a timestamp (see redis-script.ts). */
const UNREADABLE_STATE = -1;

/** Answers each request of the call from the script's reply. */
export function settle(call: Call, reply: unknown): void {
  const r = reply as number[];
  let k = 0;
  for (const b of call.batches) {
    const p = b.policies.length;
    if (r[k] === UNREADABLE_STATE) {
      // This key's state is not a GCRA timestamp: its batch fails alone, the call's others stand.
      k += b.resolves.length * (2 + p);
      fail(
        b,
        new RateLimitStoreError("key_error", `redis: the state of rate-limit key ${b.key} is unreadable`),
      );
      continue;
    }
    for (let i = 0; i < b.resolves.length; i++) {
      const allowed = r[k++] === 1;
      const leased = r[k++]!;
      const offsetsMs: number[] = new Array(p);
      for (let j = 0; j < p; j++) offsetsMs[j] = r[k++]! / 1000;
      if (!b.settled) b.resolves[i]!({ allowed, leased, offsetsMs });
    }
    if (!b.settled) done(b);
  }
}

/**
 * Sends one tick's batches: as few script calls as `crossKey` and `maxBatch` allow, and one timer
 * for the whole tick.
 */
export function sendTick(batches: Map<string, Batch>, options: TickOptions): void {
  const { prefix, crossKey, maxBatch, timeoutMs, send } = options;
  const sent: Batch[] = [];
  const tick: Tick = { open: 0, timer: undefined };
  let call: Call | undefined;
  for (const first of batches.values()) {
    for (let b: Batch | undefined = first; b; b = b.next) {
      sent.push(b);
      b.tick = tick;
      tick.open++;
      if (call && (!crossKey || call.decisions + b.costs.length > maxBatch)) {
        send(call);
        call = undefined;
      }
      call ??= { batches: [], keys: [], numbers: [], decisions: 0 };
      call.batches.push(b);
      const tag = hashTagOf(b.key);
      for (const p of b.policies) call.keys.push(`${prefix}rl:{${tag}}:${p.name}`);
      for (const a of argsOf(b.policies)) call.numbers.push(a);
      call.numbers.push(b.costs.length);
      for (let i = 0; i < b.costs.length; i++) call.numbers.push(b.costs[i]!, b.leases[i]!);
      call.decisions += b.costs.length;
    }
  }
  if (call) send(call);
  // One timer per tick, not per request: whatever is unanswered by then falls back. One error
  // object for all of them (building an Error captures a stack, which is not free).
  tick.timer = setTimeout(() => {
    let error: RateLimitStoreError | undefined;
    for (const b of sent) {
      if (b.settled) continue;
      error ??= new RateLimitStoreError("store_timeout", `redis: no answer in ${timeoutMs} ms`);
      fail(b, error);
    }
  }, timeoutMs);
  tick.timer.unref?.();
}
