/** Spawns test/load-child.ts processes and collects their JSON lines. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { UsageEventInput } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./load-child.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface ChildJob {
  mode: "load" | "kill";
  url: string;
  tenantId: string;
  callers: number;
  durationMs: number;
  flushIntervalMs: number;
  events: UsageEventInput[];
  batchSize: number;
}

export interface Child {
  process: ChildProcess;
  /** Every JSON line printed so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line matching `predicate` (including lines already printed). */
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function spawnChild(job: ChildJob): Child {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: PACKAGE_DIR,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // The job goes through stdin: 10,000 events do not fit in argv.
  child.stdin!.end(JSON.stringify(job));
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.predicate(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
      newline = buffer.indexOf("\n");
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    process: child,
    lines,
    exited,
    waitFor(predicate) {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        exited.then(({ code, signal, stderr: err }) =>
          reject(new Error(`child exited (${code ?? signal}) before the line was printed: ${err}`)),
        );
      });
    },
  };
}

/**
 * `total` events of which `duplicateShare` repeat an earlier id (same quantity), shuffled, so a
 * duplicate may land in any process and any batch.
 */
export function eventsWithDuplicates(total: number, duplicateShare: number, prefix = "e"): UsageEventInput[] {
  const unique = Math.round(total * (1 - duplicateShare));
  const quantity = (i: number) => ((i * 7919) % 100) + 1;
  const events: UsageEventInput[] = Array.from({ length: unique }, (_, i) => ({
    id: `${prefix}${i}`,
    meter: "tokens",
    quantity: quantity(i),
  }));
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let k = unique; k < total; k++) {
    const i = Math.floor(random() * unique);
    events.push({ id: `${prefix}${i}`, meter: "tokens", quantity: quantity(i) });
  }
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return events;
}
