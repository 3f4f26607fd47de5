import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "./kubeconfig.js";
import { type DevClusterOptions, type RunningDevCluster, startDevClusterServer } from "./start.js";

export interface DevCluster extends RunningDevCluster {
  /** A client-node KubeConfig for this cluster (CA, URL and token from its kubeconfig). */
  kubeConfig(): KubeConfig;
}

/** Starts devcluster in this process: `{ url, kubeconfigPath, stop() }` and more. */
export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const cluster = await startDevClusterServer(options);
  return { ...cluster, kubeConfig: () => loadKubeConfig(cluster.kubeconfigPath) };
}

export type { ControllerSwitches } from "./controllers/index.js";
export { loadKubeConfig } from "./kubeconfig.js";
export { type ClusterAccess, kubeconfigDocument, writeKubeconfig } from "./kubeconfig-file.js";
export { HOOK_ANNOTATIONS } from "./kubelet/hooks.js";
export type { ImageConfig } from "./kubelet/images.js";
export { IMAGES_CONFIGMAP } from "./kubelet/pod-lifecycle.js";
export { generateTlsMaterial, type TlsMaterial } from "./tls/certificate.js";
/**
 * For tests: a devcluster on a free port with a fresh temporary data directory, which
 * `stop()` removes.
 */
export async function startTemporaryDevCluster(
  options: Omit<DevClusterOptions, "dataDir"> = {},
): Promise<DevCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "devcluster-"));
  const cluster = await startDevCluster({ port: 0, ...options, dataDir });
  return {
    ...cluster,
    async stop() {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type { DevClusterOptions, RunningDevCluster } from "./start.js";
