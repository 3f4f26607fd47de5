// Test fixture: one devcluster with the AnalysisRun kind registered (a minimal CRD, so that
// Jobs owned by a run are kept by devcluster's garbage collector), and the built
// sluice-plugin-job executable started as a child process on a unix socket.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BatchV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { type DevCluster, startTemporaryDevCluster } from "@sluice/devcluster";
import {
  connectMetricProvider,
  isJsonObject,
  type JsonObject,
  LISTEN_ENV,
  type MetricProviderClient,
} from "@sluice/sdk";

export const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

const analysisRunCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "analysisruns.argoproj.io" },
  spec: {
    group: "argoproj.io",
    names: {
      kind: "AnalysisRun",
      listKind: "AnalysisRunList",
      plural: "analysisruns",
      singular: "analysisrun",
    },
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
  batch: BatchV1Api;
  createNamespace(name: string): Promise<void>;
  /** Creates an AnalysisRun and returns it as the controller would send it. */
  createRun(namespace: string, name: string): Promise<JsonObject>;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const cluster = await startTemporaryDevCluster({ podReadyDelayMs: 100 });
  const kubeConfig = cluster.kubeConfig();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await custom.createClusterCustomObject({
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    body: analysisRunCrd,
  });
  return {
    cluster,
    batch: kubeConfig.makeApiClient(BatchV1Api),
    async createNamespace(name) {
      await core.createNamespace({ body: { metadata: { name } } });
    },
    async createRun(namespace, name) {
      const created: unknown = await custom.createNamespacedCustomObject({
        group: "argoproj.io",
        version: "v1alpha1",
        namespace,
        plural: "analysisruns",
        body: {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "AnalysisRun",
          metadata: { name, namespace },
          spec: { metrics: [] },
        },
      });
      if (!isJsonObject(created))
        throw new Error(`creating AnalysisRun ${name} returned ${String(created)}`);
      return created;
    },
    stop: () => cluster.stop(),
  };
}

export interface PluginProcess {
  client: MetricProviderClient;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the built executable with `args` and waits (with a deadline) for it to serve. */
export async function startPlugin(args: readonly string[]): Promise<PluginProcess> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-job-"));
  const address = `unix://${join(dir, "plugin.sock")}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, [LISTEN_ENV]: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const client = connectMetricProvider(address, { timeoutMs: 5_000 });
  const stop = async () => {
    client.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`sluice-plugin-job exited during start-up; it printed:\n${output}`);
    }
    try {
      const status = await client.health({ timeoutMs: 1_000 });
      if (status === "SERVING") return { client, output: () => output, stop };
      last = status;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(
    `sluice-plugin-job did not serve within 15 s (last: ${last}); output:\n${output}`,
  );
}

/** Polls `read` until `done` holds; on timeout the error shows the last value seen. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}
