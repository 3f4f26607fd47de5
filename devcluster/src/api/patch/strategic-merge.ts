import { badRequest } from "../errors.js";
import { deepClone, deepEqual, isObject } from "../types.js";

/**
 * Strategic merge patch for the built-in kinds. Lists the Kubernetes types mark with a
 * patch merge key merge element-wise by that key; lists marked "merge" without a key merge
 * as sets; every other list is replaced. Keys are the field names as they appear in the
 * core types (containers by name, env by name, volumeMounts by mountPath, ...).
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
  schedulingGates: "name",
  secrets: "name",
  containerStatuses: "name",
  initContainerStatuses: "name",
  podIPs: "ip",
};

/** Primitive lists merged as sets (patchStrategy "merge" without a key). */
const SET_LISTS = new Set(["finalizers"]);

export function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  // Container ports merge by containerPort, service ports by port.
  if (field === "ports")
    return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port";
  return MERGE_KEYS[field];
}

function mergeList(field: string, original: unknown[], patch: unknown[]): unknown[] {
  const everything = [...original, ...patch];
  if (SET_LISTS.has(field)) {
    const result = [...original];
    for (const item of patch)
      if (!result.some((existing) => deepEqual(existing, item))) result.push(item);
    return result;
  }
  const key = mergeKeyFor(field, everything);
  if (!key) return patch.map((item) => stripDirectives(item));
  if (patch.some((item) => isObject(item) && item.$patch === "replace")) {
    return patch
      .filter((item) => !(isObject(item) && item.$patch === "replace"))
      .map(stripDirectives);
  }
  const result: unknown[] = original.map((item) => deepClone(item));
  for (const item of patch) {
    if (!isObject(item)) {
      throw badRequest(
        `strategic merge patch: list "${field}" merges by "${key}" but an element is not an object`,
      );
    }
    const keyValue = item[key];
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === keyValue);
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = applyStrategicMergePatch(result[index], item);
    else result.push(stripDirectives(item));
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith("$")) continue;
    if (item === null) continue;
    result[key] = stripDirectives(item);
  }
  return result;
}

export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  if (patch.$patch === "replace") return stripDirectives(patch);
  if (patch.$patch === "delete") return undefined;
  const result: Record<string, unknown> = isObject(original) ? deepClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const existing = result[field];
      if (Array.isArray(existing) && Array.isArray(value)) {
        result[field] = existing.filter(
          (item) => !value.some((removed) => deepEqual(removed, item)),
        );
      }
      continue;
    }
    // Ordering and retain-keys directives only refine the result; devcluster keeps the merge.
    if (key.startsWith("$")) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (Array.isArray(value)) {
      result[key] = Array.isArray(current)
        ? mergeList(key, current, value)
        : mergeList(key, [], value);
    } else if (isObject(value)) {
      const merged = applyStrategicMergePatch(current, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else result[key] = value;
  }
  return result;
}
