// The plugin's own Kubernetes client: kubeconfig from --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else the in-cluster service account (client-node's default order).
// Objects are read and written as plain JSON through the generic object paths, so what the
// router compares is exactly what the API server returned.
import { ApiException, KubeConfig } from "@kubernetes/client-node";
import { isJsonObject, type JsonObject, PluginError } from "@sluice/sdk";
import { KubeHttpClient, KubeHttpError } from "./http-client.js";

/** Reads `--kubeconfig PATH` / `--kubeconfig=PATH` from argv. */
export function kubeconfigFlag(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === "--kubeconfig") return argv[index + 1];
    if (arg?.startsWith("--kubeconfig=")) return arg.slice("--kubeconfig=".length);
  }
  return undefined;
}

export function loadKubeConfig(argv: readonly string[]): KubeConfig {
  const kubeConfig = new KubeConfig();
  const path = kubeconfigFlag(argv);
  if (path !== undefined && path !== "") kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  /** For messages: "Ingress", "TrafficSplit". */
  kind: string;
}

/** get / create / merge-patch of one namespaced resource type, as plain JSON objects. */
export interface ObjectClient {
  /** The object, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<JsonObject | undefined>;
  create(namespace: string, body: JsonObject): Promise<JsonObject>;
  mergePatch(namespace: string, name: string, patch: JsonObject): Promise<JsonObject>;
}

/** HTTP status of a failed API call, when the failure came from the API server. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof KubeHttpError) return error.code === 0 ? undefined : error.code;
  if (error instanceof ApiException) return error.code;
  if (isJsonObject(error) && typeof error.code === "number") return error.code;
  return undefined;
}

function serverMessage(error: unknown): string {
  if (error instanceof KubeHttpError) return error.detail;
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === "string" ? safeParse(error.body) : error.body;
    if (isJsonObject(body) && typeof body.message === "string") return body.message;
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Turns an API failure into the error the controller shows: what was attempted, on which
 * object, why, and (for 403) the RBAC the plugin lacks. Server-side and transport failures are
 * retryable; validation and permission failures are not until the user changes something.
 */
export function apiError(
  error: unknown,
  verb: string,
  type: ResourceType,
  namespace: string,
  name: string,
): PluginError {
  const status = statusOf(error);
  const what = `${verb} ${type.kind} ${namespace}/${name}`;
  const detail = serverMessage(error);
  if (status === 403) {
    return new PluginError(
      `${what} was forbidden (${detail}); grant the plugin's service account "${verb}" on ${type.plural}.${type.group} (see the plugin README for the Role)`,
    );
  }
  if (status === 404 && verb !== "get") {
    return new PluginError(
      `${what} failed: the API server does not serve ${type.plural}.${type.group}/${type.version} or the namespace is missing (${detail})`,
      { retryable: true },
    );
  }
  const retryable = status === undefined || status >= 500 || status === 409 || status === 429;
  return new PluginError(`${what} failed: ${detail}`, { retryable, cause: error });
}

/**
 * `fieldManager` names the plugin in the objects' managedFields, so `kubectl get -o yaml
 * --show-managed-fields` tells which fields the router owns.
 */
export function objectClient(
  kube: KubeConfig | KubeHttpClient,
  type: ResourceType,
  fieldManager: string,
): ObjectClient {
  const client = kube instanceof KubeConfig ? new KubeHttpClient(kube) : kube;
  const prefix = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const collection = (namespace: string) =>
    `${prefix}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  const item = (namespace: string, name: string) =>
    `${collection(namespace)}/${encodeURIComponent(name)}`;
  const asObject = (value: unknown, verb: string, namespace: string, name: string) => {
    if (!isJsonObject(value)) {
      throw new PluginError(
        `${verb} ${type.kind} ${namespace}/${name}: the API server answered something that is not an object`,
        { retryable: true },
      );
    }
    return value;
  };
  return {
    async get(namespace, name) {
      try {
        return asObject(
          await client.request("GET", item(namespace, name), {}),
          "get",
          namespace,
          name,
        );
      } catch (error) {
        if (error instanceof PluginError) throw error;
        if (statusOf(error) === 404) return undefined;
        throw apiError(error, "get", type, namespace, name);
      }
    },
    async create(namespace, body) {
      const name = isJsonObject(body.metadata) ? String(body.metadata.name) : "";
      const created = await client.request("POST", collection(namespace), { fieldManager }, body);
      return asObject(created, "create", namespace, name);
    },
    async mergePatch(namespace, name, patch) {
      const patched = await client.request(
        "PATCH",
        item(namespace, name),
        { fieldManager },
        patch,
        "application/merge-patch+json",
      );
      return asObject(patched, "patch", namespace, name);
    },
  };
}

/**
 * How one write of a read-then-write pass ended: "written", or "raced" when another writer
 * got between the read and the write and the caller may read again and retry.
 */
export type WriteOutcome = "written" | "raced";

/**
 * Creates `body`. When another pass created it first (409) and `mayRetry`, answers "raced" so
 * the caller reads it again and patches (the original does the same); other failures throw
 * the `apiError`.
 */
export async function createOrRaced(
  objects: ObjectClient,
  type: ResourceType,
  namespace: string,
  name: string,
  body: JsonObject,
  mayRetry: boolean,
): Promise<WriteOutcome> {
  try {
    await objects.create(namespace, body);
    return "written";
  } catch (error) {
    if (statusOf(error) === 409 && mayRetry) return "raced";
    throw apiError(error, "create", type, namespace, name);
  }
}

/**
 * Merge-patches the object. When it was deleted between the read and the patch (404: garbage
 * collection, a user) and `mayRetry`, answers "raced" so the caller recreates it.
 */
export async function patchOrRaced(
  objects: ObjectClient,
  type: ResourceType,
  namespace: string,
  name: string,
  patch: JsonObject,
  mayRetry: boolean,
): Promise<WriteOutcome> {
  try {
    await objects.mergePatch(namespace, name, patch);
    return "written";
  } catch (error) {
    if (statusOf(error) === 404 && mayRetry) return "raced";
    throw apiError(error, "patch", type, namespace, name);
  }
}
