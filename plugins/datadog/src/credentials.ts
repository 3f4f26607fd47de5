// spec/analysis-and-providers.md §5.2, credentials: `api-key`, `app-key`, optional `address`.
//
// Where they come from (this plugin's choice, the controller passes no credentials):
//   1. `secretRef.name` set: that Secret, in the run's namespace when `namespaced`, otherwise
//      in the controller's namespace. Nothing else is tried.
//   2. otherwise the plugin's environment `DD_API_KEY`, `DD_APP_KEY`, `DD_ADDRESS` (all three
//      must be present; DD_ADDRESS may be empty), then the Secret `datadog` in the controller's
//      namespace.
// The plugin reads Secrets with its own Kubernetes client (in-cluster service account or a
// kubeconfig). Without either, only the environment can supply credentials.
import { readFileSync } from "node:fs";

export const DEFAULT_SECRET_NAME = "datadog";
export const DEFAULT_NAMESPACE = "argo-rollouts";
const SERVICE_ACCOUNT_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export interface DatadogCredentials {
  apiKey: string;
  appKey: string;
  /** Empty: the default, https://api.datadoghq.com. */
  address: string;
}

/** Reads a Secret's data (values decoded). Undefined when the Secret does not exist. */
export interface SecretReader {
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** The namespace the controller (and so this plugin) runs in. */
export function controllerNamespace(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.POD_NAMESPACE ?? env.SLUICE_NAMESPACE;
  if (fromEnv) return fromEnv;
  try {
    const fromFile = readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, "utf8").trim();
    if (fromFile !== "") return fromFile;
  } catch {
    // Not in a pod.
  }
  return DEFAULT_NAMESPACE;
}

export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

export async function findCredentials(options: {
  secretRef?: { name: string; namespaced: boolean };
  runNamespace: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Undefined when the plugin has no Kubernetes access; `unavailable` says why. */
  secrets: SecretReader | undefined;
  unavailable?: string;
}): Promise<DatadogCredentials> {
  const ownNamespace = controllerNamespace(options.env);
  const looked: string[] = [];

  const fromSecret = async (namespace: string, name: string) => {
    const where = `Secret ${namespace}/${name}`;
    if (!options.secrets) {
      looked.push(`${where} (not read: ${options.unavailable ?? "no Kubernetes access"})`);
      return undefined;
    }
    let data: Record<string, string> | undefined;
    try {
      data = await options.secrets.readSecret(namespace, name);
    } catch (error) {
      looked.push(`${where} (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
    if (!data) {
      looked.push(`${where} (not found)`);
      return undefined;
    }
    const apiKey = data["api-key"] ?? "";
    const appKey = data["app-key"] ?? "";
    if (apiKey === "" || appKey === "") {
      looked.push(`${where} (no api-key or app-key)`);
      return undefined;
    }
    return { apiKey, appKey, address: data.address ?? "" };
  };

  if (options.secretRef) {
    const namespace = options.secretRef.namespaced ? options.runNamespace : ownNamespace;
    const found = await fromSecret(namespace, options.secretRef.name);
    if (found) return found;
  } else {
    const { DD_API_KEY, DD_APP_KEY, DD_ADDRESS } = options.env;
    if (DD_API_KEY && DD_APP_KEY && DD_ADDRESS !== undefined) {
      return { apiKey: DD_API_KEY, appKey: DD_APP_KEY, address: DD_ADDRESS };
    }
    looked.push("environment DD_API_KEY, DD_APP_KEY, DD_ADDRESS (not all set)");
    const found = await fromSecret(ownNamespace, DEFAULT_SECRET_NAME);
    if (found) return found;
  }
  throw new CredentialsError(
    `failed to find the credentials for datadog metrics provider: looked in ${looked.join("; ")}`,
  );
}
