/**
 * Writes src/openapi.gen.ts, the TypeScript types of openapi.json (the document cloud-api serves,
 * kept equal to it by cloud-api's contract test).
 */
import { writeFile } from "node:fs/promises";
import { generatedTypes } from "../src/generate-types.js";

const target = new URL("../src/openapi.gen.ts", import.meta.url);
await writeFile(target, await generatedTypes());
console.log(`wrote ${target.pathname}`);
