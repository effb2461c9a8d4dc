import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedTypes } from "./generate-types.js";

describe("the generated types", () => {
  it("are those of the committed openapi.json (run `pnpm --filter @org/client generate` after a change)", async () => {
    const committed = await readFile(new URL("./openapi.gen.ts", import.meta.url), "utf8");
    expect(committed).toBe(await generatedTypes());
  });

  it("cover every path of the document", async () => {
    const doc = JSON.parse(await readFile(new URL("../openapi.json", import.meta.url), "utf8")) as {
      paths: Record<string, unknown>;
    };
    const types = await readFile(new URL("./openapi.gen.ts", import.meta.url), "utf8");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    for (const path of Object.keys(doc.paths)) expect(types).toContain(`"${path}": {`);
  });
});
