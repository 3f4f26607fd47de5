import { KubeConfig } from "@kubernetes/client-node";

/** A client-node KubeConfig loaded from a devcluster kubeconfig file. */
export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return config;
}
