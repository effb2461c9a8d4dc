/**
 * @module Lints every Dockerfile with hadolint (config: `.hadolint.yaml` at the root).
 *
 * Debian 12 has no hadolint package. Where hadolint is missing but shellcheck is installed, the
 * Dockerfiles go through dockerlinter instead (hadolint's rules reimplemented in JavaScript; its
 * install script downloads shellcheck, hence `ignore-scripts`). With neither, CI fails and a developer
 * is told how to install hadolint.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { findDockerfiles, ROOT } from "./dockerfiles.js";

const INSTALL_HINT = `hadolint is not installed. Install it with one of:
  apt-get install -y hadolint          (Debian 13 and later, Ubuntu 24.04 and later)
  brew install hadolint                (macOS)
  the static binary of https://github.com/hadolint/hadolint/releases, on PATH
or, on Debian 12, apt-get install -y shellcheck to lint with dockerlinter (hadolint's rules in JS).`;

const onPath = (command: string) => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env });
  return result.status ?? 1;
}

const files = findDockerfiles();
if (files.length === 0) {
  console.error("lint:docker: no Dockerfile found");
  process.exit(1);
}

if (onPath("hadolint")) {
  process.exit(run("hadolint", ["--config", join(ROOT, ".hadolint.yaml"), ...files]));
}
if (onPath("shellcheck")) {
  console.log(`lint:docker: hadolint not found, linting ${files.length} Dockerfiles with dockerlinter`);
  const env = { ...process.env, npm_config_ignore_scripts: "true" };
  let failed = 0;
  for (const file of files) {
    console.log(`== ${file}`);
    failed +=
      run("npx", ["--yes", "dockerlinter@2.0.0", "--error", "info", "--file", file], env) === 0 ? 0 : 1;
  }
  process.exit(failed === 0 ? 0 : 1);
}
if (process.env.CI === "true") {
  console.error(`lint:docker: ${INSTALL_HINT}`);
  process.exit(1);
}
console.warn(`lint:docker: skipped. ${INSTALL_HINT}`);
