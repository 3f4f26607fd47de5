// The real SecretReader: the plugin's own Kubernetes client (@kubernetes/client-node 1.4),
// loaded on the first Secret read only (the library takes seconds to import on a busy machine,
// and a plugin whose credentials come from the environment never needs it).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { SecretReader } from "./credentials.js";

type Source = { kind: "file"; path: string } | { kind: "cluster" };

/**
 * A reader when the process has a kubeconfig (`KUBECONFIG`, `~/.kube/config`) or runs in a
 * pod; otherwise the reason why not.
 */
export function kubeSecretReader(
  env: Readonly<Record<string, string | undefined>>,
): { reader: SecretReader } | { unavailable: string } {
  let source: Source;
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((path) => path !== "");
  const home = join(homedir(), ".kube", "config");
  if (fromEnv) source = { kind: "file", path: fromEnv };
  else if (env.KUBERNETES_SERVICE_HOST) source = { kind: "cluster" };
  else if (existsSync(home)) source = { kind: "file", path: home };
  else return { unavailable: "no kubeconfig and not running in a pod" };

  let client:
    | Promise<(namespace: string, name: string) => Promise<Record<string, string> | undefined>>
    | undefined;
  const connect = async () => {
    const { CoreV1Api, KubeConfig } = await import("@kubernetes/client-node");
    const kubeConfig = new KubeConfig();
    try {
      if (source.kind === "file") kubeConfig.loadFromFile(source.path);
      else kubeConfig.loadFromCluster();
    } catch (error) {
      throw new Error(
        `cannot load kubeconfig: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const api = kubeConfig.makeApiClient(CoreV1Api);
    return async (namespace: string, name: string) => {
      try {
        const secret = await api.readNamespacedSecret({ name, namespace });
        const data: Record<string, string> = {};
        for (const [key, value] of Object.entries(secret.data ?? {})) {
          data[key] = Buffer.from(value, "base64").toString("utf8");
        }
        for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = value;
        return data;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 404) return undefined;
        throw new Error(
          typeof code === "number" ? `Kubernetes API answered ${code}` : String(error),
        );
      }
    };
  };
  return {
    reader: {
      async readSecret(namespace, name) {
        client ??= connect();
        const read = await client.catch((error: unknown) => {
          client = undefined; // try again on the next measurement
          throw error;
        });
        return read(namespace, name);
      },
    },
  };
}
