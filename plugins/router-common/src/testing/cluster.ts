// Test fixture: one devcluster per test file with the Rollout kind registered (a minimal CRD:
// the router only needs Rollouts to exist so that devcluster's garbage collector keeps the
// objects they own), plus helpers to start the built plugin executable.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { type DevCluster, startTemporaryDevCluster } from "@sluice/devcluster";
import { isJsonObject, type JsonObject } from "@sluice/sdk";

export const rolloutCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "rollouts.argoproj.io" },
  spec: {
    group: "argoproj.io",
    names: { kind: "Rollout", listKind: "RolloutList", plural: "rollouts", singular: "rollout" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    ],
  },
};

export interface TestCluster {
  cluster: DevCluster;
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  /** Creates a Rollout (so owner references resolve) and returns it as the controller sends it. */
  createRollout(namespace: string, name: string, canary: JsonObject): Promise<JsonObject>;
  ensureNamespace(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(crds: readonly JsonObject[] = []): Promise<TestCluster> {
  const cluster = await startTemporaryDevCluster();
  const kubeConfig = cluster.kubeConfig();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  for (const crd of [rolloutCrd, ...crds]) {
    await custom.createClusterCustomObject({
      group: "apiextensions.k8s.io",
      version: "v1",
      plural: "customresourcedefinitions",
      body: crd,
    });
  }
  return {
    cluster,
    kubeConfig,
    custom,
    async ensureNamespace(name) {
      try {
        await core.createNamespace({ body: { metadata: { name } } });
      } catch (error) {
        if (!(isJsonObject(error) && error.code === 409)) throw error;
      }
    },
    async createRollout(namespace, name, canary) {
      const created: unknown = await custom.createNamespacedCustomObject({
        group: "argoproj.io",
        version: "v1alpha1",
        plural: "rollouts",
        namespace,
        body: {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          metadata: { name, namespace },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } } },
            strategy: { canary },
          },
        },
      });
      if (!isJsonObject(created)) throw new Error("Rollout create answered a non-object");
      return created;
    },
    stop: () => cluster.stop(),
  };
}

export interface PluginProcess {
  address: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a built plugin on a fresh unix socket (async spawn: devcluster shares this process). */
export async function startPluginProcess(
  main: string,
  args: readonly string[],
): Promise<PluginProcess> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-router-"));
  const address = `unix://${join(dir, "plugin.sock")}`;
  const child = spawn(process.execPath, [main, "--listen", address, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLUICE_LOG_LEVEL: "warn" },
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return {
    address,
    child,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls `read` until `check` holds; on timeout fails with the last value seen. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last seen: ${JSON.stringify(last)} ${lastError === undefined ? "" : String(lastError)}`,
  );
}
