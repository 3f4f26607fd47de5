// End-to-end harness: one devcluster per test file, the CRDs applied with the real kubectl,
// and sluice-controller started as its own process, as it runs for a user.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DevCluster, startDevCluster } from "@sluice/devcluster";
import {
  kubeRolloutActionsClient,
  type RolloutAction,
  runRolloutAction,
} from "../../src/actions/index.js";
import { KubeClient } from "../../src/runtime/kube.js";
import { type KubeObject, RESOURCES } from "../../src/runtime/kube-resources.js";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, "..", "..", "..");
const controllerMain = join(repoRoot, "controller", "dist", "main.js");

export interface Harness {
  cluster: DevCluster;
  client: KubeClient;
  kubeconfig: string;
  /** Runs kubectl asynchronously: devcluster serves from this same process. */
  kubectl(...args: string[]): Promise<string>;
  /** kubectl apply -f - with the given YAML. */
  apply(yaml: string): Promise<string>;
  startController(extraArgs?: string[]): ChildProcess;
  stopController(signal?: NodeJS.Signals): Promise<void>;
  rollout(name: string, namespace?: string): Promise<KubeObject>;
  action(name: string, action: RolloutAction, namespace?: string): Promise<void>;
  /** A user's `kubectl patch` of the first container's image (what starts an update). */
  setImage(name: string, image: string): Promise<void>;
  controllerLog(): string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  const cluster = await startDevCluster({ dataDir, port: 0, podReadyDelayMs: 100 });
  const kubeconfig = cluster.kubeconfigPath;
  const client = new KubeClient(cluster.kubeConfig());
  const run = (args: string[], input?: string): Promise<string> =>
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
  const kubectl = (...args: string[]): Promise<string> => run(args);
  const crdDir = join(repoRoot, "deploy", "crds");
  for (const file of readdirSync(crdDir)) await kubectl("apply", "-f", join(crdDir, file));
  let controller: ChildProcess | undefined;
  /** Every controller this harness started, so close() leaves none behind whatever failed. */
  const started = new Set<ChildProcess>();
  let log = "";
  const stopController = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const child = controller;
    controller = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  };
  return {
    cluster,
    client,
    kubeconfig,
    kubectl,
    apply: (yaml) => run(["apply", "-f", "-"], yaml),
    startController(extraArgs = []) {
      const child = spawn(
        process.execPath,
        [controllerMain, "--kubeconfig", kubeconfig, "--metrics-port", "0", ...extraArgs],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      // One tracked controller at a time: a test that failed before stopping its own must
      // not leave it running next to the new one.
      if (controller !== undefined && controller.exitCode === null) controller.kill("SIGKILL");
      controller = child;
      started.add(child);
      child.once("exit", () => started.delete(child));
      return child;
    },
    stopController,
    rollout: (name, namespace = "default") => client.get(RESOURCES.rollouts, namespace, name),
    async setImage(name, image) {
      await kubectl(
        "patch",
        "rollout",
        name,
        "--type",
        "json",
        "-p",
        JSON.stringify([
          { op: "replace", path: "/spec/template/spec/containers/0/image", value: image },
        ]),
      );
    },
    async action(name, action, namespace = "default") {
      await runRolloutAction(
        kubeRolloutActionsClient(cluster.kubeConfig()),
        namespace,
        name,
        action,
      );
    },
    controllerLog: () => log,
    async close() {
      await stopController();
      for (const child of started) child.kill("SIGKILL");
      client.close();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `probe` returns a value other than undefined; on timeout the error shows what
 * was last seen, so a failing run says where the rollout stood.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  describeLast: () => Promise<string>,
  timeoutMs = 30_000,
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

export interface RolloutView {
  phase: string | undefined;
  message: string | undefined;
  stepIndex: number | undefined;
  stableRS: string | undefined;
  currentPodHash: string | undefined;
  aborted: boolean;
  paused: boolean;
  /** ReplicaSet spec.replicas by pod-template-hash. */
  replicas: Record<string, number>;
  /** Service selector hash by service name. */
  selectors: Record<string, string | undefined>;
}

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** A compact picture of a Rollout and what it owns, for assertions and timeout messages. */
export async function viewRollout(
  h: Harness,
  name: string,
  services: string[] = [],
): Promise<RolloutView> {
  const rollout = await h.rollout(name);
  const status = rec(rollout.status);
  const rsList = await h.client.list(RESOURCES.replicaSets, { namespace: "default" });
  const replicas: Record<string, number> = {};
  for (const rs of rsList.items) {
    if (rs.metadata.ownerReferences?.[0]?.uid !== rollout.metadata.uid) continue;
    const hash = rs.metadata.labels?.["rollouts-pod-template-hash"] ?? rs.metadata.name;
    replicas[hash] = Number(rec(rs.spec).replicas ?? 0);
  }
  const selectors: Record<string, string | undefined> = {};
  for (const service of services) {
    const svc = await h.client.get(RESOURCES.services, "default", service);
    const selector = rec(rec(svc.spec).selector);
    const hash = selector["rollouts-pod-template-hash"];
    selectors[service] = typeof hash === "string" ? hash : undefined;
  }
  return {
    phase: typeof status.phase === "string" ? status.phase : undefined,
    message: typeof status.message === "string" ? status.message : undefined,
    stepIndex: typeof status.currentStepIndex === "number" ? status.currentStepIndex : undefined,
    stableRS: typeof status.stableRS === "string" ? status.stableRS : undefined,
    currentPodHash: typeof status.currentPodHash === "string" ? status.currentPodHash : undefined,
    aborted: status.abort === true,
    paused: Array.isArray(status.pauseConditions) && status.pauseConditions.length > 0,
    replicas,
    selectors,
  };
}

/** Waits until the rollout's view satisfies `ok`; returns that view. */
export function waitForRollout(
  h: Harness,
  name: string,
  what: string,
  ok: (view: RolloutView) => boolean,
  services: string[] = [],
  timeoutMs = 30_000,
): Promise<RolloutView> {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const view = await viewRollout(h, name, services);
      return ok(view) ? view : undefined;
    },
    async () =>
      JSON.stringify(await viewRollout(h, name, services).catch((e: unknown) => String(e))),
    timeoutMs,
  );
}

/**
 * Two Services (`<name>-canary`, `<name>-stable`) and a canary Rollout that names them, as
 * YAML. `canary` is the rest of spec.strategy.canary (steps, analysis, ...) indented by six
 * spaces; `spec` adds fields to the Rollout's spec, indented by two.
 */
export function canaryWithServices(
  name: string,
  image: string,
  canary: string,
  options: { replicas?: number; spec?: string } = {},
): string {
  const service = (suffix: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}-${suffix}}
spec: {selector: {app: ${name}}, ports: [{port: 80}]}
---
`;
  return `${service("canary")}${service("stable")}apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${name}}
spec:
  replicas: ${options.replicas ?? 2}
${options.spec ?? ""}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "${image}"}]}
  strategy:
    canary:
      canaryService: ${name}-canary
      stableService: ${name}-stable
${canary}`;
}
