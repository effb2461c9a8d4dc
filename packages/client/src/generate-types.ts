/** @module The client's types as openapi-typescript writes them from the committed openapi.json. */
import { readFile } from "node:fs/promises";
import openapiTS, { astToString } from "openapi-typescript";

const BANNER = `// Generated from openapi.json by \`pnpm --filter @org/client generate\`: do not edit.\n\n`;

/** The text of src/openapi.gen.ts for the committed openapi.json. */
export async function generatedTypes(): Promise<string> {
  const document = JSON.parse(await readFile(new URL("../openapi.json", import.meta.url), "utf8"));
  return BANNER + astToString(await openapiTS(document));
}
