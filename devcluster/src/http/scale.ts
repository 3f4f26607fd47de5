import { badRequest } from "../api/errors.js";
import type { ObjectApi } from "../api/objects.js";
import { applyJsonPatch } from "../api/patch/json-patch.js";
import { applyMergePatch } from "../api/patch/merge-patch.js";
import type { ResourceType } from "../api/registry.js";
import { selectorFromStructured, selectorToString } from "../api/selectors.js";
import { getPath, isObject, type KubeObject } from "../api/types.js";
import { evaluateJsonPath } from "./jsonpath.js";

function pathSegments(jsonPath: string): string[] {
  return jsonPath.replace(/^\./, "").split(".");
}

function scaleOf(type: ResourceType, obj: KubeObject): Record<string, unknown> {
  const scale = type.scale;
  const specReplicas = scale ? evaluateJsonPath(obj, scale.specReplicasPath) : undefined;
  const statusReplicas = scale ? evaluateJsonPath(obj, scale.statusReplicasPath) : undefined;
  let selector: unknown;
  if (type.builtin) {
    const parsed = selectorFromStructured(getPath(obj, ["spec", "selector"]));
    selector = parsed ? selectorToString(parsed) : undefined;
  } else if (scale?.labelSelectorPath) selector = evaluateJsonPath(obj, scale.labelSelectorPath);
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof specReplicas === "number" ? specReplicas : 0 },
    status: {
      replicas: typeof statusReplicas === "number" ? statusReplicas : 0,
      ...(typeof selector === "string" ? { selector } : {}),
    },
  };
}

export function getScale(
  api: ObjectApi,
  type: ResourceType,
  namespace: string,
  name: string,
): Record<string, unknown> {
  return scaleOf(type, api.get(type, namespace, name));
}

/** PUT or PATCH of `/scale`: the new `spec.replicas` lands at the resource's replicas path. */
export function updateScale(
  api: ObjectApi,
  type: ResourceType,
  namespace: string,
  name: string,
  method: string,
  contentType: string,
  body: unknown,
  dryRun: boolean,
): Record<string, unknown> {
  const current = api.copy(type, namespace, name);
  let scale: unknown = body;
  if (method === "PATCH") {
    const original = scaleOf(type, current);
    if (contentType === "application/json-patch+json") scale = applyJsonPatch(original, body);
    else scale = applyMergePatch(original, body);
  }
  const replicas = getPath(scale, ["spec", "replicas"]);
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(`Scale ${namespace}/${name}: spec.replicas must be a non-negative integer`);
  }
  const requestedRv = getPath(scale, ["metadata", "resourceVersion"]);
  if (method === "PUT" && typeof requestedRv === "string" && requestedRv !== "")
    current.metadata.resourceVersion = requestedRv;
  const segments = pathSegments(type.scale?.specReplicasPath ?? ".spec.replicas");
  let cursor: Record<string, unknown> = current;
  for (const segment of segments.slice(0, -1)) {
    const next = cursor[segment];
    if (!isObject(next)) cursor[segment] = {};
    cursor = cursor[segment] as Record<string, unknown>;
  }
  cursor[segments[segments.length - 1] ?? "replicas"] = replicas;
  return scaleOf(type, api.update(type, namespace, name, current, { dryRun }));
}
