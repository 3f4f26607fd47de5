import { deepClone, isObject } from "../types.js";

/**
 * RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else replaces. The original
 * is copied once and the patch merged into the copy (copying again at every level made a
 * status write cost a deep copy per nesting level).
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isObject(original) ? deepClone(original) : {};
  mergeInto(result, patch, true);
  return result;
}

/** Sets an own property, also for a key such as "__proto__" (never the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * The same, merged into `target` itself: for a caller whose object is already a private copy
 * (a PATCH works on one parsed from the stored JSON), which saves copying it again. The patch
 * is consumed: its arrays and values move into `target` uncopied (a PATCH body is parsed for
 * this one request; copying an AnalysisRun's measurement list on every status write was 7% of
 * devcluster's CPU in the analysis benchmark), so the caller must not use it afterwards.
 */
export function applyMergePatchInPlace(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  mergeInto(target, patch, false);
  return target;
}

function mergeInto(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  copyValues: boolean,
): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete target[key];
    } else if (isObject(value)) {
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      if (isObject(current)) {
        mergeInto(current, value, copyValues);
      } else {
        // Merging into nothing: the patch's nulls are dropped, its objects kept.
        const fresh: Record<string, unknown> = {};
        mergeInto(fresh, value, copyValues);
        put(target, key, fresh);
      }
    } else {
      put(target, key, copyValues ? deepClone(value) : value);
    }
  }
}
