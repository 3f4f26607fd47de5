// A small validator for the structural schemas we generate: enough to check that a manifest
// is accepted by the CRD YAML on disk (types, required fields, enums, maps, int-or-string,
// preserved regions) and that every schema node is structural. Used by tests and `lint`.
import type { JsonSchemaProps } from "./crd-schema.js";
import type { FieldError } from "./parse.js";

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Validates a value against a structural schema as the API server would (no formats). */
export function validateAgainstCrdSchema(
  schema: JsonSchemaProps,
  value: unknown,
  path = "",
): FieldError[] {
  const at = path === "" ? "(root)" : path;
  if (schema["x-kubernetes-int-or-string"] === true) {
    const t = typeOf(value);
    return t === "integer" || t === "string"
      ? []
      : [{ path: at, message: `expected integer or string, got ${t}` }];
  }
  if (schema.type === undefined) return [];
  const t = typeOf(value);
  if (schema.type === "number" ? t !== "number" && t !== "integer" : t !== schema.type) {
    return [{ path: at, message: `expected ${schema.type}, got ${t}` }];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    return [{ path: at, message: `must be one of ${schema.enum.join(", ")}` }];
  }
  const errors: FieldError[] = [];
  if (schema.type === "array" && Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    value.forEach((v, i) => {
      errors.push(...validateAgainstCrdSchema(items, v, join(path, i)));
    });
  }
  if (schema.type === "object" && typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) errors.push({ path: join(path, key), message: "required" });
    }
    for (const [key, child] of Object.entries(obj)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
      if (childSchema !== undefined)
        errors.push(...validateAgainstCrdSchema(childSchema, child, join(path, key)));
      // Fields the schema does not know are pruned by the API server (unless preserved).
    }
  }
  return errors;
}

/** Lists nodes that break the structural-schema rules of apiextensions.k8s.io/v1. */
export function structuralViolations(schema: JsonSchemaProps, path = "(root)"): string[] {
  const out: string[] = [];
  const special =
    schema["x-kubernetes-int-or-string"] === true ||
    schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (schema.type === undefined && !special) out.push(`${path}: no type`);
  if (schema.anyOf !== undefined && schema["x-kubernetes-int-or-string"] !== true)
    out.push(`${path}: anyOf`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) {
    out.push(`${path}: both properties and additionalProperties`);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {}))
    out.push(...structuralViolations(child, `${path}.${key}`));
  if (schema.additionalProperties !== undefined)
    out.push(...structuralViolations(schema.additionalProperties, `${path}.*`));
  if (schema.items !== undefined) out.push(...structuralViolations(schema.items, `${path}[]`));
  return out;
}

/**
 * Paths the API server would prune from `value` under this schema (fields the schema does
 * not declare, outside preserved regions). A non-empty result means data loss on apply.
 */
export function prunedFields(schema: JsonSchemaProps, value: unknown, path = ""): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && schema.properties === undefined)
    return [];
  if (Array.isArray(value)) {
    const items = schema.items;
    return items === undefined
      ? []
      : value.flatMap((v, i) => prunedFields(items, v, join(path, i)));
  }
  if (typeof value !== "object" || value === null || schema.type !== "object") return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    // The API server validates and keeps the root metadata itself.
    if (path === "" && key === "metadata") continue;
    const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
    if (childSchema !== undefined) out.push(...prunedFields(childSchema, child, join(path, key)));
    else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) out.push(join(path, key));
  }
  return out;
}
