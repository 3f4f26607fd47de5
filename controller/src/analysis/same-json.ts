// Equality of JSON data as the API server sees it, shared by the AnalysisRun planner (is this
// status a change?) and its status merge patch.

/** Equality as JSON sees it: members whose value is undefined do not exist, key order is free. */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      // JSON writes an undefined array item as null.
      if (!sameJsonValue(a[i] ?? null, b[i] ?? null)) return false;
    }
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let leftCount = 0;
  for (const key in left) {
    const value = left[key];
    if (value === undefined) continue;
    leftCount++;
    if (!Object.hasOwn(right, key) || !sameJsonValue(value, right[key])) return false;
  }
  let rightCount = 0;
  for (const key in right) if (right[key] !== undefined) rightCount++;
  return leftCount === rightCount;
}
