import { chaosConfig } from "@org/vitest-config";

export default chaosConfig({ test: { testTimeout: 120_000 } });
