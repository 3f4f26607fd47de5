// The cluster as the CLI sees it: kubeconfig, context and namespace resolved the way kubectl
// resolves them, and the few reads and writes the commands need.
import { existsSync } from "node:fs";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "@sluice/controller";
import type { Flags } from "./args.js";
import { CliError, isNotFound } from "./errors.js";
import { arr, rec } from "./values.js";

export type ArgoPlural =
  | "rollouts"
  | "analysisruns"
  | "analysistemplates"
  | "clusteranalysistemplates"
  | "experiments";

export interface Cluster {
  kubeConfig: KubeConfig;
  /** The namespace from -n, else the context's, else "default". */
  namespace: string;
  server: string | undefined;
  custom: CustomObjectsApi;
  apps: AppsV1Api;
  core: CoreV1Api;
}

export function connect(flags: Flags): Cluster {
  const kubeConfig = new KubeConfig();
  const path = flags.kubeconfig;
  if (path !== undefined) {
    if (!existsSync(path)) throw new CliError(`kubeconfig ${path} does not exist`);
    try {
      kubeConfig.loadFromFile(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError(`cannot read kubeconfig ${path}: ${reason}`);
    }
  } else {
    kubeConfig.loadFromDefault();
  }
  if (flags.context !== undefined) {
    if (kubeConfig.getContextObject(flags.context) === null) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new CliError(
        `context "${flags.context}" is not in the kubeconfig (known: ${known.join(", ") || "none"})`,
      );
    }
    kubeConfig.setCurrentContext(flags.context);
  }
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  const namespace = flags.namespace ?? context?.namespace ?? "default";
  return {
    kubeConfig,
    namespace,
    server: kubeConfig.getCurrentCluster()?.server,
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

const resourceRef = (plural: ArgoPlural) => ({ group: API_GROUP, version: API_VERSION, plural });

/** GET one object; a 404 becomes the original's `rollouts.argoproj.io "x" not found`. */
export async function getArgo(
  cluster: Cluster,
  plural: ArgoPlural,
  name: string,
  namespace = cluster.namespace,
): Promise<unknown> {
  try {
    if (plural === "clusteranalysistemplates") {
      return await cluster.custom.getClusterCustomObject({ ...resourceRef(plural), name });
    }
    return await cluster.custom.getNamespacedCustomObject({
      ...resourceRef(plural),
      namespace,
      name,
    });
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`${plural}.${API_GROUP} "${name}" not found`);
    throw error;
  }
}

/** Lists one kind in the namespace, or everywhere when namespace is undefined. */
export async function listArgo(
  cluster: Cluster,
  plural: ArgoPlural,
  namespace: string | undefined,
): Promise<unknown[]> {
  const list =
    namespace === undefined
      ? await cluster.custom.listClusterCustomObject(resourceRef(plural))
      : await cluster.custom.listNamespacedCustomObject({ ...resourceRef(plural), namespace });
  return arr(rec(list).items);
}

export async function createArgo(
  cluster: Cluster,
  plural: ArgoPlural,
  body: object,
  namespace = cluster.namespace,
): Promise<unknown> {
  return cluster.custom.createNamespacedCustomObject({ ...resourceRef(plural), namespace, body });
}

/** Merge-patches an object (or its status subresource). */
export async function mergePatchArgo(
  cluster: Cluster,
  plural: ArgoPlural,
  name: string,
  body: object,
  subresource?: "status",
): Promise<unknown> {
  const request = { ...resourceRef(plural), namespace: cluster.namespace, name, body };
  const options = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  try {
    return subresource === "status"
      ? await cluster.custom.patchNamespacedCustomObjectStatus(request, options)
      : await cluster.custom.patchNamespacedCustomObject(request, options);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`${plural}.${API_GROUP} "${name}" not found`);
    throw error;
  }
}

/** ReplicaSets and pods of a namespace, for the tree of `get`. */
export async function listWorkloads(
  cluster: Cluster,
  namespace: string,
): Promise<{ replicaSets: unknown[]; pods: unknown[] }> {
  const [replicaSets, pods] = await Promise.all([
    cluster.apps.listNamespacedReplicaSet({ namespace }),
    cluster.core.listNamespacedPod({ namespace }),
  ]);
  return { replicaSets: replicaSets.items, pods: pods.items };
}
