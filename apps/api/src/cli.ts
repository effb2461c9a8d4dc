#!/usr/bin/env node
/** @module The api's CLI: `create-key <name>` adds an API key to the organisation and prints it once. */
import { createApiKeyService, createLocalBus } from "@org/multitenancy";
import { createLogger } from "@org/server-kit";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";

const USAGE = "usage: org-api create-key <name> [--scopes a:b,c:d]";

async function main(argv: string[]) {
  const [command, name, ...rest] = argv;
  if (command !== "create-key" || !name) {
    console.error(USAGE);
    return 2;
  }
  const scopesFlag = rest.indexOf("--scopes");
  const scopes = scopesFlag >= 0 ? (rest[scopesFlag + 1] ?? "").split(",").filter(Boolean) : undefined;
  const env = parseEnv();
  const deps = await buildDeps(env, createLogger({ service: "api-cli", level: "warn" }));
  try {
    const keys = createApiKeyService({ db: deps.db, bus: createLocalBus() });
    const created = await keys.create(deps.organisation.id, { name, scopes }, "cli");
    keys.close();
    process.stdout.write(
      `${JSON.stringify({ id: created.id, name: created.name, secret: created.secret })}\n`,
    );
    return 0;
  } finally {
    await deps.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
