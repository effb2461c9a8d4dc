/** @module Test helper: a real 3-master Redis Cluster on free localhost ports, torn down afterwards. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCluster {
  nodes: { host: string; port: number }[];
  /** Runs redis-cli against one node and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port p with p and p + 10000 (the cluster bus) both free. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no free port pair for a Redis Cluster node");
}

/** What Redis Cluster hashes of a key name: the text between the first `{` and the next `}` if non-empty, else the whole name. */
export function clusterHashTag(name: string): string {
  const open = name.indexOf("{");
  const close = open < 0 ? -1 : name.indexOf("}", open + 1);
  return close > open + 1 ? name.slice(open + 1, close) : name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts 3 `redis-server --cluster-enabled yes` processes in a temporary directory, joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0`, and waits until every node says
 * `cluster_state:ok`. Nothing is persisted; `stop()` kills the processes and deletes the directory.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const redis = new Cluster(cluster.nodes);
 * await cluster.stop();
 */
export async function startRedisCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), "rl-cluster-"));
  const taken = new Set<number>();
  const ports = [await freeClusterPort(taken), await freeClusterPort(taken), await freeClusterPort(taken)];
  const procs: ChildProcess[] = [];
  const cli = async (port: number, ...args: string[]) =>
    (await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])).stdout;
  const stop = async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once("exit", r)) : null)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const proc = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          "15000",
          "--dir",
          dir,
          "--save",
          "",
          "--appendonly",
          "no",
        ],
        { stdio: "ignore" },
      );
      procs.push(proc);
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const pong = await cli(port, "ping").catch(() => "");
        if (pong.includes("PONG")) break;
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of ports) {
      for (let i = 0; ; i++) {
        if ((await cli(port, "cluster", "info")).includes("cluster_state:ok")) break;
        if (i > 200) throw new Error(`cluster node ${port} never reached cluster_state:ok`);
        await sleep(50);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: "127.0.0.1", port })), cli, stop };
}
