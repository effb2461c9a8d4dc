import type { UserConfig } from "vitest/config";
export declare function vitestConfig(overrides?: UserConfig): UserConfig;
export declare function chaosConfig(overrides?: UserConfig): UserConfig;
export declare function chaosScale(): "full" | "short";
