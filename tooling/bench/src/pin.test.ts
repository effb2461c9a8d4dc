import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cpusFor, pinToCpus } from "./pin.js";

/** The CPUs a process may run on, as Linux reports them. */
const allowed = (pid: number) =>
  /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

describe("pinToCpus", () => {
  it("puts the server on CPU 0 and the load elsewhere, or does nothing when pinning is off", () => {
    const sleeper = spawn("sleep", ["30"]);
    children.push(sleeper);
    const before = allowed(sleeper.pid!);
    if (cpusFor("server") === undefined) {
      expect(pinToCpus(sleeper.pid!, "server")).toBe(false);
      expect(allowed(sleeper.pid!)).toBe(before);
      return;
    }
    expect(pinToCpus(sleeper.pid!, "server")).toBe(true);
    expect(allowed(sleeper.pid!)).toBe("0");
    expect(pinToCpus(sleeper.pid!, "load")).toBe(true);
    expect(allowed(sleeper.pid!)).toBe(cpusFor("load"));
    expect(cpusFor("load")).not.toContain("0");
  });

  it("still knows every CPU after pinning itself (a load process then pins its servers)", () => {
    if (cpusFor("server") === undefined) return;
    const parent = spawn(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { pinToCpus, cpusFor } = await import(${JSON.stringify(new URL("./pin.ts", import.meta.url).href)});
       pinToCpus(process.pid, "load");
       console.log(cpusFor("server"));`,
    ]);
    parent.stderr!.on("data", (d) => process.stderr.write(d));
    children.push(parent);
    return new Promise<void>((resolve, reject) => {
      let out = "";
      parent.stdout!.on("data", (d) => (out += d));
      parent.once("exit", (code) => {
        try {
          expect(code).toBe(0);
          expect(out.trim()).toBe("0");
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  });

  it("is off with BENCH_PIN=0", () => {
    const saved = process.env.BENCH_PIN;
    process.env.BENCH_PIN = "0";
    try {
      expect(cpusFor("server")).toBeUndefined();
      expect(pinToCpus(process.pid, "server")).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.BENCH_PIN;
      else process.env.BENCH_PIN = saved;
    }
  });
});
