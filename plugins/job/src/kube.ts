// The plugin's own Kubernetes client (DESIGN §2): Jobs and their pods as plain JSON.
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { isJsonObject, type JsonObject } from "@sluice/sdk";

/** What the provider needs from the API server; a fake implements it in unit tests. */
export interface JobClient {
  create(namespace: string, job: JsonObject): Promise<JsonObject>;
  /** The Job, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<JsonObject | undefined>;
  list(namespace: string, labelSelector: string): Promise<JsonObject[]>;
  /** Deletes with Foreground propagation; a Job already gone is not an error. */
  delete(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<JsonObject[]>;
}

/** Thrown by JobClient for an answer of the API server (or no answer at all). */
export class KubeError extends Error {
  override name = "KubeError";
  constructor(
    message: string,
    readonly status: number | undefined,
    /** The Status reason (AlreadyExists, NotFound, Invalid...), when the server gave one. */
    readonly reason: string | undefined,
  ) {
    super(message);
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** Turns a client-node failure into a KubeError whose message is the server's own wording. */
export function toKubeError(error: unknown, doing: string): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) {
    const body = parseBody(error.body);
    const status = typeof error.code === "number" ? error.code : undefined;
    if (isJsonObject(body) && typeof body.message === "string") {
      const reason = typeof body.reason === "string" ? body.reason : undefined;
      return new KubeError(body.message, status, reason);
    }
    return new KubeError(
      `${doing}: the API server answered HTTP ${String(status)}`,
      status,
      undefined,
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new KubeError(
    `${doing}: cannot reach the Kubernetes API (${detail})`,
    undefined,
    undefined,
  );
}

function asObject(value: unknown): JsonObject {
  // client-node returns class instances; a JSON round trip gives the wire shape.
  const plain: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return isJsonObject(plain) ? plain : {};
}

function items(list: unknown): JsonObject[] {
  const plain = asObject(list);
  return Array.isArray(plain.items) ? plain.items.filter(isJsonObject) : [];
}

export function kubeJobClient(kubeConfig: KubeConfig): JobClient {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async create(namespace, job) {
      try {
        return asObject(await batch.createNamespacedJob({ namespace, body: job }));
      } catch (error) {
        throw toKubeError(error, `creating Job in namespace ${namespace}`);
      }
    },
    async get(namespace, name) {
      try {
        return asObject(await batch.readNamespacedJob({ namespace, name }));
      } catch (error) {
        const failure = toKubeError(error, `reading Job ${namespace}/${name}`);
        if (failure.status === 404) return undefined;
        throw failure;
      }
    },
    async list(namespace, labelSelector) {
      try {
        return items(await batch.listNamespacedJob({ namespace, labelSelector }));
      } catch (error) {
        throw toKubeError(error, `listing Jobs in namespace ${namespace}`);
      }
    },
    async delete(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: "Foreground" });
      } catch (error) {
        const failure = toKubeError(error, `deleting Job ${namespace}/${name}`);
        if (failure.status !== 404) throw failure;
      }
    },
    async listPods(namespace, labelSelector) {
      try {
        return items(await core.listNamespacedPod({ namespace, labelSelector }));
      } catch (error) {
        throw toKubeError(error, `listing pods in namespace ${namespace}`);
      }
    },
  };
}

/** Reads `--kubeconfig PATH` / `--kubeconfig=PATH` from argv. */
export function kubeconfigFlag(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === "--kubeconfig") return argv[index + 1];
    if (arg?.startsWith("--kubeconfig=")) return arg.slice("--kubeconfig=".length);
  }
  return undefined;
}

export const JOB_KUBECONFIG_ENV = "ARGO_ROLLOUTS_ANALYSIS_JOB_KUBECONFIG";
export const JOB_NAMESPACE_ENV = "ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE";

export interface JobTarget {
  kubeConfig: KubeConfig;
  /** True when Jobs go to another cluster than the AnalysisRun's (no owner reference then). */
  otherCluster: boolean;
  /** Namespace for every Job instead of the run's, from the environment. */
  namespace: string | undefined;
}

/**
 * Where Jobs are created. Order: `--kubeconfig`; else the original's
 * ARGO_ROLLOUTS_ANALYSIS_JOB_KUBECONFIG (`in-cluster` or a path; another cluster); else
 * $KUBECONFIG, ~/.kube/config or the pod's service account.
 */
export function loadJobTarget(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): JobTarget {
  const kubeConfig = new KubeConfig();
  const flag = kubeconfigFlag(argv);
  const other = env[JOB_KUBECONFIG_ENV];
  let otherCluster = false;
  if (flag !== undefined && flag !== "") kubeConfig.loadFromFile(flag);
  else if (other !== undefined && other !== "") {
    otherCluster = true;
    if (other === "in-cluster") kubeConfig.loadFromCluster();
    else kubeConfig.loadFromFile(other);
  } else kubeConfig.loadFromDefault();
  const namespace = env[JOB_NAMESPACE_ENV];
  return {
    kubeConfig,
    otherCluster,
    namespace: namespace === undefined || namespace === "" ? undefined : namespace,
  };
}
