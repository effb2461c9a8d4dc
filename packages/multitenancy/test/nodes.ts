/** Spawns app nodes (child processes running test/fixtures/node-app.ts through tsx) and talks to them. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/node-app.ts", import.meta.url));

export interface Node {
  request(
    method: string,
    url: string,
    headers?: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; loads: number }>;
  stop(): Promise<void>;
  child: ChildProcess;
}

export async function startNode(env: Record<string, string>): Promise<Node> {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let seq = 0;
  const waiting = new Map<number, (r: { status: number; loads: number }) => void>();
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`node exited with ${code}`)));
    child.on("message", (m: { ready?: boolean; id?: number; status?: number; loads?: number }) => {
      if (m.ready) resolve();
      else if (m.id !== undefined) waiting.get(m.id)?.({ status: m.status!, loads: m.loads! });
    });
  });
  child.removeAllListeners("exit");
  return {
    child,
    request(method, url, headers = {}, body) {
      const id = ++seq;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.send({ id, method, url, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ exit: true });
      await exited;
    },
  };
}
