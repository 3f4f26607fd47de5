// The JSON merge patch (RFC 7386) of an AnalysisRun status write (spec §2.1 step 6). The
// generic createMergePatch normalises both documents through a JSON round trip first; the
// analysis statuses are plain JSON data already (strings, numbers, arrays, records; members
// may be undefined, which JSON leaves out), so this walks them directly. That round trip was
// the largest piece of the controller's own work per measurement in the analysis benchmark.

import { sameJsonValue } from "../../analysis/same-json.js";

type Patch = null | boolean | number | string | readonly unknown[] | { [key: string]: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function diff(before: unknown, after: unknown): Patch | undefined {
  if (isRecord(before) && isRecord(after)) {
    const patch: Record<string, unknown> = {};
    let changed = false;
    for (const key in before) {
      if (before[key] !== undefined && after[key] === undefined) {
        patch[key] = null;
        changed = true;
      }
    }
    for (const key in after) {
      const value = after[key];
      if (value === undefined) continue;
      const previous = before[key];
      const change = previous === undefined ? (value as Patch) : diff(previous, value);
      if (change !== undefined) {
        patch[key] = change;
        changed = true;
      }
    }
    return changed ? patch : undefined;
  }
  // Arrays and scalars are replaced whole, as a merge patch does.
  return sameJsonValue(before, after) ? undefined : ((after ?? null) as Patch);
}

/**
 * The merge patch that turns status `before` into `after`, undefined when they are equal as
 * JSON. A member present before and absent (or undefined) after becomes null, which removes it.
 * Values in the patch may still hold undefined members: JSON.stringify drops them on the wire.
 */
export function statusMergePatch(before: object | undefined, after: object): Patch | undefined {
  return diff(before ?? {}, after);
}
