// `npm start` as a user runs it: it comes up, the demo rollout can be driven through its first
// pause with the kubectl plugin binary, and Ctrl-C leaves no process behind.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stateDir = mkdtempSync(join(tmpdir(), "sluice-start-"));
const kubeconfig = join(stateDir, "cluster", "kubeconfig");
const pluginBin = join(root, "cli", "dist", "main.js");

let start: ChildProcess | undefined;
let output = "";

afterAll(() => {
  if (start !== undefined && start.exitCode === null) start.kill("SIGKILL");
  rmSync(stateDir, { recursive: true, force: true });
});

function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { encoding: "utf8", env: { ...process.env, KUBECONFIG: kubeconfig } },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** `kubectl argo rollouts ...`: kubectl finds the plugin binary on PATH. */
function kubectlArgo(...args: string[]) {
  return run(process.execPath, [pluginBin, ...args]);
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; npm start printed:\n${output}\n${last}`);
}

async function rolloutField(path: string): Promise<string> {
  const { stdout } = await run("kubectl", ["get", "rollout", "demo", "-o", `jsonpath={${path}}`]);
  return stdout;
}

/** Processes whose command line mentions the state directory (devcluster, controller...). */
function leftovers(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile("ps", ["-eo", "pid,args"], { encoding: "utf8" }, (_error, stdout) => {
      resolve(stdout.split("\n").filter((line) => line.includes(stateDir)));
    });
  });
}

describe("npm start", () => {
  it("brings up the demo, which the kubectl plugin drives through its first pause; Ctrl-C stops everything", async () => {
    start = spawn("npm", ["start"], {
      cwd: root,
      env: { ...process.env, SLUICE_STATE_DIR: stateDir },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the SIGINT below reaches every process in it, as Ctrl-C in
      // a terminal does.
      detached: true,
    });
    start.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    start.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(
      "the start banner",
      async () => (output.includes("Press Ctrl-C to stop") ? true : undefined),
      240_000,
    );
    expect(output).toContain("kubectl argo rollouts get rollout demo --watch");
    expect(existsSync(kubeconfig)).toBe(true);

    await waitFor("demo Healthy", async () =>
      (await rolloutField(".status.phase")) === "Healthy" ? true : undefined,
    );

    const setImage = await kubectlArgo(
      "set",
      "image",
      "demo",
      "demo=argoproj/rollouts-demo:yellow",
    );
    expect(setImage.code, setImage.stderr).toBe(0);
    await waitFor("the first pause", async () =>
      (await rolloutField(".status.phase")) === "Paused" &&
      (await rolloutField(".status.currentStepIndex")) === "1"
        ? true
        : undefined,
    );

    const promote = await kubectlArgo("promote", "demo");
    expect(promote.code, promote.stderr).toBe(0);
    await waitFor("the next step", async () => {
      const step = Number(await rolloutField(".status.currentStepIndex"));
      return step >= 2 ? step : undefined;
    });

    // "close": every process holding npm start's output has ended, not just npm itself.
    const exited = new Promise<void>((resolve) => start?.once("close", () => resolve()));
    if (start.pid !== undefined) process.kill(-start.pid, "SIGINT");
    await exited;
    // The launcher stopped its processes itself (npm, like a shell, then ends on the signal).
    expect(output).toContain("devcluster stopped");
    expect(output).toContain("run npm start again to carry on");
    await waitFor(
      "no process left behind",
      async () => ((await leftovers()).length === 0 ? true : undefined),
      20_000,
    );
  }, 420_000);
});
