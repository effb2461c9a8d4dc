import { createTestDb } from "@org/testing";
import { createPostgresStore } from "./postgres-store.js";
import { describeStoreContract } from "./store.contract.js";

describeStoreContract(
  "postgres",
  async () => {
    const t = await createTestDb({ maxConnections: 20 });
    return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
  },
  { sweepDeletesRows: true },
);

// The same SQL on embedded PGlite (the self-hosted default database).
describeStoreContract(
  "postgres store on PGlite",
  async () => {
    const t = await createTestDb({ driver: "pglite" });
    return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
  },
  { sweepDeletesRows: true },
);
