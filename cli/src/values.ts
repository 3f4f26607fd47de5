// Small readers for objects that come from the API server: they stay `unknown` and every
// field is checked where it is read (CONVENTIONS "Types at the edges").

export type Obj = Record<string, unknown>;

export function rec(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Reads a nested field: at(obj, "status", "canary", "weights"). */
export function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) current = rec(current)[key];
  return current;
}

export const nameOf = (obj: unknown): string => str(at(obj, "metadata", "name")) ?? "";
export const uidOf = (obj: unknown): string => str(at(obj, "metadata", "uid")) ?? "";
export const labelOf = (obj: unknown, key: string): string | undefined =>
  str(at(obj, "metadata", "labels", key));
export const annotationOf = (obj: unknown, key: string): string | undefined =>
  str(at(obj, "metadata", "annotations", key));

/** client-node returns Dates for timestamps; raw JSON has strings. */
export function timeOf(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === "string") {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

export function ownedBy(obj: unknown, uid: string): boolean {
  return arr(at(obj, "metadata", "ownerReferences")).some((ref) => str(rec(ref).uid) === uid);
}
