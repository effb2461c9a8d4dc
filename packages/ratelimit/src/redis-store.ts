/** @module The shared store: one Lua script on Redis or Redis Cluster, decisions batched per tick. */
import { type Cluster, Command, type Redis } from "ioredis";
import { assertKey, hashTagOf } from "./key.js";
import type { Policy } from "./policy.js";
import { GCRA_SCRIPT, GCRA_SCRIPT_SHA } from "./redis-script.js";
import { type RateLimitStore, RateLimitStoreError, type StoreDecision } from "./store.js";

export interface RedisStoreOptions {
  /**
   * An ioredis client or cluster, owned by the caller. Create it with `enableAutoPipelining: true`:
   * on a Cluster the script calls of one tick then share one round trip per node (on a single Redis
   * the store makes one call per tick itself).
   */
  redis: Redis | Cluster;
  /** Prepended to every key (before `rl:{key}:policy`). Must not contain `{` or `}`. */
  prefix?: string;
  /** A call not answered within this many ms rejects, and the limiter falls back. */
  timeoutMs?: number;
  /** Most requests decided by one script call; more in one tick start another call. */
  maxBatch?: number;
  /**
   * Decide several keys in one script call. Default: on for a single Redis, off for a Cluster
   * (where one call may only touch one slot, so it carries one key's requests).
   */
  crossKeyBatching?: boolean;
}

export interface RedisStore extends RateLimitStore {
  /** Counters for tests and benchmarks: script calls sent, decisions they carried. */
  readonly stats: { scriptCalls: number; decisions: number };
}

interface Batch {
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

function done(b: Batch): void {
  b.settled = true;
  const tick = b.tick;
  if (tick && --tick.open === 0 && tick.timer) clearTimeout(tick.timer);
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

/** One script call: the batches it carries, its KEYS and its numbers (packed into ARGV[1]). */
interface Call {
  batches: Batch[];
  keys: string[];
  numbers: number[];
  decisions: number;
}

/** The call's numbers as little-endian doubles: G, then each batch's (see redis-script.ts). */
function pack(call: Call): Buffer {
  const out = Buffer.allocUnsafe((call.numbers.length + 1) * 8);
  out.writeDoubleLE(call.batches.length, 0);
  for (let i = 0; i < call.numbers.length; i++) out.writeDoubleLE(call.numbers[i]!, (i + 1) * 8);
  return out;
}

/**
 * Sends a script call. With cross-key batching a tick's decisions already make one call, so it goes
 * out as a command of its own: ioredis' auto-pipelining would only add a Pipeline object and one
 * more deferral per tick. Otherwise (a Cluster, one call per key) the client's auto-pipelining
 * groups the calls of one tick per node.
 */
function script(
  redis: Redis | Cluster,
  direct: boolean,
  name: "evalsha" | "eval",
  head: string,
  numKeys: number,
  args: (string | Buffer)[],
): Promise<unknown> {
  if (!direct) return redis[name](head, numKeys, ...args);
  const { keyPrefix } = redis.options as { keyPrefix?: string };
  return redis.sendCommand(new Command(name, [head, numKeys, ...args], { keyPrefix })) as Promise<unknown>;
}

/** The script's answer for a group whose keys hold something else than a timestamp (see redis-script.ts). */
const UNREADABLE_STATE = -1;

const isNoScript = (e: unknown): boolean => e instanceof Error && e.message.startsWith("NOSCRIPT");

/**
 * A store on Redis (or Redis Cluster): exact across any number of nodes. Every key of a caller
 * shares the hash tag `{key}` (braces and `%` in the key percent-encoded, see {@link hashTagOf}), so
 * the script's keys live in one slot; an empty key is refused before anything is sent. A key whose
 * state is unreadable (another client wrote something else under its name) fails alone with
 * `key_error`, however many other keys share its script call. Concurrent decisions are
 * gathered until the end of the event-loop tick (`setImmediate`) and go to Redis as one EVALSHA
 * (on a Cluster, one per key) (falling back to EVAL when the server answers NOSCRIPT, e.g. after a
 * restart or on a new cluster node); with auto-pipelining, the whole tick is one round trip per node.
 *
 * @param options.redis - the caller's ioredis client or cluster
 * @param [options.prefix=""]
 * @param [options.timeoutMs=100]
 * @param [options.maxBatch=256]
 * @param [options.crossKeyBatching] - default: true unless `redis` is a Cluster
 * @example
 * const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
 * const store = createRedisStore({ redis, prefix: "app:" });
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { redis, prefix = "", timeoutMs = 100, maxBatch = 256 } = options;
  const crossKey = options.crossKeyBatching ?? (redis as { isCluster?: boolean }).isCluster !== true;
  if (prefix.includes("{") || prefix.includes("}"))
    throw new Error("ratelimit: prefix must not contain { or }");
  let pending = new Map<string, Batch>();
  let scheduled = false;
  const stats = { scriptCalls: 0, decisions: 0 };

  function settle(call: Call, reply: unknown): void {
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

  function fail(b: Batch, error: unknown): void {
    if (b.settled) return;
    done(b);
    for (const reject of b.rejects) reject(error);
  }

  function send(call: Call): void {
    const numKeys = call.keys.length;
    const args = [...call.keys, pack(call)];
    stats.scriptCalls++;
    stats.decisions += call.decisions;
    script(redis, crossKey, "evalsha", GCRA_SCRIPT_SHA, numKeys, args)
      .catch((e: unknown) =>
        isNoScript(e) ? script(redis, crossKey, "eval", GCRA_SCRIPT, numKeys, args) : Promise.reject(e),
      )
      .then(
        (reply) => settle(call, reply),
        (e: unknown) => {
          const error = new RateLimitStoreError("store_error", `redis: ${(e as Error)?.message}`, {
            cause: e,
          });
          for (const b of call.batches) fail(b, error);
        },
      );
  }

  function flush(): void {
    scheduled = false;
    const batches = pending;
    pending = new Map();
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

  return {
    kind: "redis",
    stats,
    decide(key, policies, cost, leaseMax = 0) {
      return new Promise<StoreDecision>((resolve, reject) => {
        assertKey(key);
        let b = pending.get(key);
        let last: Batch | undefined;
        while (b && (b.policies !== policies || b.costs.length >= maxBatch)) {
          last = b;
          b = b.next;
        }
        if (!b) {
          // Arrays born holding their first entry: most keys have one request per tick, and an
          // empty array's first push reserves room for 17.
          b = {
            key,
            policies,
            costs: [cost],
            leases: [leaseMax],
            resolves: [resolve],
            rejects: [reject],
            next: undefined,
            settled: false,
            tick: undefined,
          };
          if (last) last.next = b;
          else pending.set(key, b);
        } else {
          b.costs.push(cost);
          b.leases.push(leaseMax);
          b.resolves.push(resolve);
          b.rejects.push(reject);
        }
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      if (scheduled) flush();
    },
  };
}
