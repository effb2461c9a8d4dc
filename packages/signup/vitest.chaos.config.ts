import { chaosConfig } from "@org/vitest-config";

export default chaosConfig();
