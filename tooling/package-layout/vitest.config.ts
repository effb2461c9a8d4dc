import { vitestConfig } from "@org/vitest-config";

export default vitestConfig();
