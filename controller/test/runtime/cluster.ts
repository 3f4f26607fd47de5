import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DevCluster, startDevCluster } from "@sluice/devcluster";
import { KubeClient, loadKubeConfig } from "../../src/runtime/kube.js";
import { RESOURCES } from "../../src/runtime/kube-resources.js";

export interface TestCluster {
  cluster: DevCluster;
  client: KubeClient;
  /** A fresh namespace for one test. */
  namespace(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

let namespaceCounter = 0;

/**
 * One devcluster for a test file, with its own data directory, reached through the same
 * kubeconfig file and client the controller uses. Pods are not simulated: these tests only
 * need the API server.
 */
export async function startTestCluster(
  options: { watchHistorySize?: number } = {},
): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-runtime-"));
  const cluster = await startDevCluster({
    dataDir,
    port: 0,
    controllers: { kubelet: false, replicaSets: false, deployments: false, jobs: false },
    ...(options.watchHistorySize === undefined
      ? {}
      : { watchHistorySize: options.watchHistorySize }),
  });
  const client = new KubeClient(loadKubeConfig({ kubeconfig: cluster.kubeconfigPath }), {
    fieldManager: "sluice-controller",
  });
  return {
    cluster,
    client,
    async namespace(prefix: string): Promise<string> {
      namespaceCounter++;
      const name = `${prefix}-${namespaceCounter}`;
      await client.create(RESOURCES.namespaces, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name },
      });
      return name;
    },
    async stop(): Promise<void> {
      client.close();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
