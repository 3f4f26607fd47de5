// Installs the workspace's npm dependencies when they are missing or older than the lockfile,
// so that `npm test` and `npm start` work from a fresh clone with nothing else typed first.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const marker = join(root, "node_modules", ".package-lock.json");

const stale =
  !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.log("Installing npm dependencies (npm ci)...");
  execSync(existsSync(lock) ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund", {
    cwd: root,
    stdio: "inherit",
  });
}

// devcluster runs the commands of pod containers only inside a bubblewrap sandbox. Install it
// when it is missing and we may (root, apt-get present); never fail the run over it: without
// it, pods say in their status why their commands are not executed.
const hasBwrap = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].some((p) =>
  existsSync(p),
);
if (
  !hasBwrap &&
  process.platform === "linux" &&
  process.getuid?.() === 0 &&
  existsSync("/usr/bin/apt-get")
) {
  try {
    console.log("Installing bubblewrap for devcluster's container sandbox (apt-get)...");
    const quiet = {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 300_000,
    };
    try {
      execSync("apt-get install -y -qq bubblewrap", quiet);
    } catch {
      execSync("apt-get update -qq", quiet);
      execSync("apt-get install -y -qq bubblewrap", quiet);
    }
  } catch (error) {
    console.log(
      `bubblewrap could not be installed (${error.message.split("\n")[0]}); devcluster will not run container commands`,
    );
  }
}
