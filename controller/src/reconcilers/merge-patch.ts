// RFC 7386 JSON merge patches computed from two versions of a document, so the controller
// writes only what changed (and needs no resourceVersion precondition for its own status).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Normalise through JSON so undefined members and Dates compare as the server sees them. */
function toJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

function diff(before: Json, after: Json): Json | undefined {
  if (isObject(before) && isObject(after)) {
    const patch: Record<string, Json> = {};
    for (const key of Object.keys(before)) {
      if (!(key in after) || after[key] === undefined) patch[key] = null;
    }
    for (const [key, value] of Object.entries(after)) {
      if (value === undefined) continue;
      const previous = before[key];
      if (previous === undefined) {
        patch[key] = value;
        continue;
      }
      const change = diff(previous, value);
      if (change !== undefined) patch[key] = change;
    }
    return Object.keys(patch).length === 0 ? undefined : patch;
  }
  // Arrays and scalars are replaced whole, as a merge patch does.
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : after;
}

/**
 * The merge patch that turns `before` into `after`; undefined when they are equal. A key
 * present before and absent after becomes null (removed).
 */
export function createMergePatch(before: unknown, after: unknown): Json | undefined {
  const a = toJson(after);
  if (a !== null && typeof a === "object" && !Array.isArray(a)) {
    return diff(isObject(toJson(before)) ? toJson(before) : {}, a);
  }
  return diff(toJson(before), a);
}
