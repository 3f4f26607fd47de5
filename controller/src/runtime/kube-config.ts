import { KubeConfig } from "@kubernetes/client-node";

export interface LoadKubeConfigOptions {
  /** `--kubeconfig`: a file path. When absent: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** A context name other than the file's current-context. */
  context?: string;
}

/**
 * Loads client configuration the way the original's `--kubeconfig` flag does: an explicit
 * file wins; otherwise the service account when running in a pod; otherwise the usual
 * default files.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined && options.kubeconfig !== "") {
    kc.loadFromFile(options.kubeconfig);
  } else if (
    process.env.KUBERNETES_SERVICE_HOST !== undefined &&
    (process.env.KUBECONFIG ?? "") === ""
  ) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (options.context !== undefined) kc.setCurrentContext(options.context);
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      "no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a pod",
    );
  }
  return kc;
}
