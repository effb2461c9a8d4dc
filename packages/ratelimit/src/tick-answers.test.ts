import { describe, expect, it } from "vitest";
import { createTickAnswers } from "./tick-answers.js";

describe("createTickAnswers", () => {
  it("answers a tick's values together, in order, after the microtasks and before later immediates", async () => {
    const answer = createTickAnswers<number>();
    const seen: string[] = [];
    const done = [1, 2, 3].map((v) => answer(v).then((got) => seen.push(`answer ${got}`)));
    setImmediate(() => seen.push("later immediate"));
    await Promise.resolve();
    queueMicrotask(() => seen.push("microtask"));
    await Promise.resolve();
    expect(seen).toEqual(["microtask"]);
    await Promise.all(done);
    expect(seen).toEqual(["microtask", "answer 1", "answer 2", "answer 3"]);
    await new Promise((r) => setImmediate(r));
    expect(seen.at(-1)).toBe("later immediate");
  });

  it("starts a new batch for values answered after a flush", async () => {
    const answer = createTickAnswers<string>();
    expect(await answer("a")).toBe("a");
    expect(await Promise.all([answer("b"), answer("c")])).toEqual(["b", "c"]);
  });
});
