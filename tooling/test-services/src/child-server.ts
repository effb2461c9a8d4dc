/** @module A server in a child process (benchmarks, multi-process tests), reporting its port over IPC. */
import { type ChildProcess, fork } from "node:child_process";

/**
 * Forks `script` under tsx with `args` and `env` added to this process's environment, and resolves
 * once the child sends `{ port }` over IPC (`process.send?.({ port })` when listening). Rejects if the
 * child exits first.
 *
 * @example
 * const { child, port } = await startChildServer(fileURLToPath(new URL("./server.ts", import.meta.url)), ["bare"]);
 * child.kill("SIGTERM");
 */
export function startChildServer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: "inherit",
    });
    child.once("message", (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once("exit", (code) => reject(new Error(`${script} ${args.join(" ")} exited with ${code}`)));
  });
}
