// `valueFrom.fieldRef.fieldPath` of analysis arguments (spec/analysis-and-providers.md §3.2
// step 3): a path starting with `metadata` is a Kubernetes field path
// (`metadata.labels['env']`); any other path walks the object's JSON, split on `.`, `[` and
// `]` (`spec.template.spec.containers[0].image`), and must end on a string, number or bool.

export type FieldValue = { ok: true; value: string } | { ok: false; error: string };

const LABEL_OR_ANNOTATION = /^metadata\.(labels|annotations)\[['"](.+)['"]\]$/;

function primitive(value: unknown, path: string): FieldValue {
  if (typeof value === "string") return { ok: true, value };
  if (typeof value === "number" || typeof value === "boolean")
    return { ok: true, value: String(value) };
  if (value === undefined || value === null)
    return { ok: false, error: `fieldPath ${path} does not exist` };
  return { ok: false, error: `fieldPath ${path} is not a string, number or bool` };
}

export function resolveFieldPath(object: unknown, path: string): FieldValue {
  const trimmed = path.trim();
  const keyed = LABEL_OR_ANNOTATION.exec(trimmed);
  if (keyed !== null) {
    const meta = (object as { metadata?: Record<string, unknown> } | undefined)?.metadata;
    const map = meta?.[keyed[1] as string] as Record<string, unknown> | undefined;
    const key = keyed[2] as string;
    return primitive(map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined, path);
  }
  const parts = trimmed.split(/[.[\]]/).filter((p) => p !== "");
  if (parts.length === 0) return { ok: false, error: "fieldPath is empty" };
  let current: unknown = object;
  for (const part of parts) {
    if (Array.isArray(current)) {
      const index = Number(part);
      current = Number.isInteger(index) && index >= 0 ? current[index] : undefined;
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, part)) {
      current = (current as Record<string, unknown>)[part];
    } else {
      current = undefined;
    }
    if (current === undefined) break;
  }
  return primitive(current, path);
}
