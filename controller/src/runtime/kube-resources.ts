/**
 * The resource kinds the controller reads and writes, their REST paths, and the minimal shape
 * every Kubernetes object shares. Anything beyond `metadata` stays `unknown` here: the
 * reconcilers validate the rest with their own schemas.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** One REST resource: where it lives and what it is called. */
export interface ResourceType {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural as in the URL ("rollouts"); also the `kind` label of request metrics. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

function resource(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceType {
  return { group, version, plural, kind, namespaced };
}

/** The kinds the controller and its tests use. Others can be described with the same shape. */
export const RESOURCES = {
  rollouts: resource("argoproj.io", "v1alpha1", "rollouts", "Rollout"),
  analysisRuns: resource("argoproj.io", "v1alpha1", "analysisruns", "AnalysisRun"),
  analysisTemplates: resource("argoproj.io", "v1alpha1", "analysistemplates", "AnalysisTemplate"),
  clusterAnalysisTemplates: resource(
    "argoproj.io",
    "v1alpha1",
    "clusteranalysistemplates",
    "ClusterAnalysisTemplate",
    false,
  ),
  experiments: resource("argoproj.io", "v1alpha1", "experiments", "Experiment"),
  replicaSets: resource("apps", "v1", "replicasets", "ReplicaSet"),
  deployments: resource("apps", "v1", "deployments", "Deployment"),
  services: resource("", "v1", "services", "Service"),
  pods: resource("", "v1", "pods", "Pod"),
  configMaps: resource("", "v1", "configmaps", "ConfigMap"),
  secrets: resource("", "v1", "secrets", "Secret"),
  events: resource("", "v1", "events", "Event"),
  namespaces: resource("", "v1", "namespaces", "Namespace", false),
  leases: resource("coordination.k8s.io", "v1", "leases", "Lease"),
  jobs: resource("batch", "v1", "jobs", "Job"),
  horizontalPodAutoscalers: resource(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
    "HorizontalPodAutoscaler",
  ),
  ingresses: resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
} as const satisfies Record<string, ResourceType>;

/** `apiVersion` as written in objects: "v1" for core, "group/version" otherwise. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export interface PathOptions {
  /** Omitted for cluster-scoped kinds and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  /** "status", "scale"... */
  subresource?: string;
}

/**
 * The REST path of a collection or an object, e.g.
 * `/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/web/status`.
 */
export function resourcePath(type: ResourceType, options: PathOptions = {}): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  let path = base;
  if (type.namespaced && options.namespace !== undefined && options.namespace !== "") {
    path += `/namespaces/${encodeURIComponent(options.namespace)}`;
  }
  path += `/${type.plural}`;
  if (options.name !== undefined) {
    path += `/${encodeURIComponent(options.name)}`;
    if (options.subresource !== undefined) path += `/${options.subresource}`;
  }
  return path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === "string");
}

function isOwnerReference(value: unknown): value is OwnerReference {
  return (
    isRecord(value) &&
    typeof value.apiVersion === "string" &&
    typeof value.kind === "string" &&
    typeof value.name === "string" &&
    typeof value.uid === "string"
  );
}

/**
 * True when `value` has the metadata every object has, with well-typed optional fields.
 * This is the only check the runtime makes; reconcilers validate spec and status themselves.
 */
export function isKubeObject(value: unknown): value is KubeObject {
  if (!isRecord(value)) return false;
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== "string") return false;
  if (metadata.namespace !== undefined && typeof metadata.namespace !== "string") return false;
  if (metadata.uid !== undefined && typeof metadata.uid !== "string") return false;
  if (metadata.resourceVersion !== undefined && typeof metadata.resourceVersion !== "string") {
    return false;
  }
  if (metadata.labels !== undefined && !isStringMap(metadata.labels)) return false;
  if (metadata.annotations !== undefined && !isStringMap(metadata.annotations)) return false;
  if (
    metadata.ownerReferences !== undefined &&
    !(Array.isArray(metadata.ownerReferences) && metadata.ownerReferences.every(isOwnerReference))
  ) {
    return false;
  }
  return true;
}

/** True for a list response: `items` of objects and list metadata. */
export function isKubeList(value: unknown): value is KubeList {
  return (
    isRecord(value) &&
    isRecord(value.metadata) &&
    Array.isArray(value.items) &&
    value.items.every(isKubeObject)
  );
}

/** The cache/work-queue key of an object: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: { metadata: { name: string; namespace?: string } }): string {
  const namespace = obj.metadata.namespace;
  return namespace === undefined || namespace === ""
    ? obj.metadata.name
    : `${namespace}/${obj.metadata.name}`;
}

/** Splits a key made by `objectKey` back into namespace ("" when cluster-scoped) and name. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: "", name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The owner reference marked `controller: true`, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}
