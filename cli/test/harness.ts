// One devcluster per test file, the CRDs applied with kubectl, sluice-controller as its own
// process, and the CLI binary run as a child process, as a user runs it. Everything here is
// asynchronous: devcluster serves from this test process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type DevCluster, startDevCluster } from "@sluice/devcluster";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, "..", "..");
export const cliMain = join(repoRoot, "cli", "dist", "main.js");
const controllerMain = join(repoRoot, "controller", "dist", "main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  cluster: DevCluster;
  kubeconfig: string;
  dataDir: string;
  kubectl(...args: string[]): Promise<string>;
  apply(yaml: string): Promise<string>;
  /** Runs the CLI with --kubeconfig of this cluster; never throws on a non-zero exit. */
  cli(...args: string[]): Promise<CliResult>;
  rollout(name: string): Promise<Record<string, unknown>>;
  get(plural: string, name: string): Promise<Record<string, unknown>>;
  controllerLog(): string;
  close(): Promise<void>;
}

/** Runs the CLI binary (no TTY: stdout and stderr are pipes). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliMain, ...args],
      { encoding: "utf8", env },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function startHarness(withController = true): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-cli-"));
  const cluster = await startDevCluster({ dataDir, port: 0, podReadyDelayMs: 100 });
  const kubeconfig = cluster.kubeconfigPath;
  const custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  const kubectlRun = (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        "kubectl",
        ["--kubeconfig", kubeconfig, ...args],
        { encoding: "utf8" },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`kubectl ${args.join(" ")}: ${stderr || error.message}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  const crdDir = join(repoRoot, "deploy", "crds");
  for (const file of readdirSync(crdDir)) await kubectlRun(["apply", "-f", join(crdDir, file)]);
  let controller: ChildProcess | undefined;
  let log = "";
  if (withController) {
    controller = spawn(
      process.execPath,
      [controllerMain, "--kubeconfig", kubeconfig, "--metrics-port", "0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    controller.stdout?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    controller.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
  }
  const get = async (plural: string, name: string) =>
    (await custom.getNamespacedCustomObject({
      group: "argoproj.io",
      version: "v1alpha1",
      plural,
      namespace: "default",
      name,
    })) as Record<string, unknown>;
  return {
    cluster,
    kubeconfig,
    dataDir,
    kubectl: (...args) => kubectlRun(args),
    apply: (yaml) => kubectlRun(["apply", "-f", "-"], yaml),
    cli: (...args) => runCli([...args, "--kubeconfig", kubeconfig]),
    rollout: (name) => get("rollouts", name),
    get,
    controllerLog: () => log,
    async close() {
      const child = controller;
      if (child !== undefined && child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until probe returns a value; on timeout the error shows what was last seen. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  describeLast: () => Promise<string> | string,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${await describeLast()} ${lastError}`);
}

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

export interface RolloutState {
  phase?: unknown;
  step?: unknown;
  message?: unknown;
  paused?: unknown;
  restartAt?: unknown;
}

export async function rolloutState(h: Harness, name: string): Promise<RolloutState> {
  const ro = await h.rollout(name);
  const status = rec(ro.status);
  const spec = rec(ro.spec);
  return {
    phase: status.phase,
    step: status.currentStepIndex,
    message: status.message,
    paused: spec.paused,
    restartAt: spec.restartAt,
  };
}

export function waitForRollout(
  h: Harness,
  name: string,
  what: string,
  ok: (s: RolloutState) => boolean,
): Promise<RolloutState> {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const s = await rolloutState(h, name);
      return ok(s) ? s : undefined;
    },
    async () => JSON.stringify(await rolloutState(h, name).catch((e: unknown) => String(e))),
  );
}

export function canaryRollout(name: string, image: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${name}}
spec:
  replicas: 3
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: "${image}"}]
  strategy:
    canary:
      steps:
        - setWeight: 34
        - pause: {}
        - setWeight: 67
        - pause: {}
`;
}
