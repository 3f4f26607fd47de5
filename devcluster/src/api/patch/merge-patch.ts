import { deepClone, isObject } from "../types.js";

/** RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else replaces. */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isObject(original) ? deepClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
