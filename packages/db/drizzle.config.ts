import { defineConfig } from "drizzle-kit";

// Generation only (`pnpm db:generate`): it diffs src/schema against drizzle/meta, no database needed.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./drizzle",
  casing: "snake_case",
});
