/** @module The Redis store's script calls: EVALSHA, EVAL when the server does not know the script. */
import { type Cluster, Command, type Redis } from "ioredis";
import { type Call, fail, pack, settle } from "./redis-batches.js";
import { GCRA_SCRIPT, GCRA_SCRIPT_SHA } from "./redis-script.js";
import { RateLimitStoreError } from "./store.js";

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

const isNoScript = (e: unknown): boolean => e instanceof Error && e.message.startsWith("NOSCRIPT");

/**
 * The store's `send(call)`: one script call, counted in `stats`, whose reply settles the call's
 * batches; a failure (after the EVAL retry on NOSCRIPT) fails them all with `store_error`.
 */
export function createSend(
  redis: Redis | Cluster,
  crossKey: boolean,
  stats: { scriptCalls: number; decisions: number },
): (call: Call) => void {
  return function send(call: Call): void {
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
  };
}
