// Translation of the TypeBox schemas into Kubernetes structural OpenAPI v3 schemas
// (apiextensions.k8s.io/v1). The schemas only use constructs with a direct equivalent:
// objects, arrays, scalars, string enums (unions of literals), int-or-string, maps
// (records → additionalProperties) and preserved free-form regions.
import type { TSchema } from "@sinclair/typebox";
import { INT_OR_STRING, PRESERVE_UNKNOWN } from "./schema-helpers.js";

/** The subset of JSONSchemaProps the generated CRDs use. */
export interface JsonSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  enum?: string[];
  properties?: Record<string, JsonSchemaProps>;
  required?: string[];
  additionalProperties?: JsonSchemaProps;
  items?: JsonSchemaProps;
  anyOf?: JsonSchemaProps[];
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
}

type Node = Record<string, unknown>;

function node(v: unknown, where: string): Node {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error(`schema at ${where} is not an object`);
  return v as Node;
}

function withDescription(out: JsonSchemaProps, s: Node): JsonSchemaProps {
  if (typeof s.description === "string") out.description = s.description;
  return out;
}

/**
 * Converts one schema node. Throws on constructs that have no structural equivalent, so a
 * schema change that would produce an invalid CRD fails generation (and its test).
 */
export function toStructural(schema: TSchema, where = "(root)"): JsonSchemaProps {
  const s = node(schema, where);
  if (s[INT_OR_STRING] === true) {
    return withDescription(
      { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true },
      s,
    );
  }
  if (Array.isArray(s.anyOf)) {
    const values = s.anyOf.map((branch, i) => {
      const b = node(branch, `${where}.anyOf[${i}]`);
      if (typeof b.const !== "string")
        throw new Error(`schema at ${where}: only unions of string literals are supported`);
      return b.const;
    });
    return withDescription({ type: "string", enum: values }, s);
  }
  if (typeof s.const === "string") return withDescription({ type: "string", enum: [s.const] }, s);
  const preserve = s[PRESERVE_UNKNOWN] === true;
  switch (s.type) {
    case "string":
      return withDescription(
        typeof s.format === "string" ? { type: "string", format: s.format } : { type: "string" },
        s,
      );
    case "integer":
      return withDescription(
        typeof s.format === "string" ? { type: "integer", format: s.format } : { type: "integer" },
        s,
      );
    case "number":
      return withDescription({ type: "number" }, s);
    case "boolean":
      return withDescription({ type: "boolean" }, s);
    case "array":
      return withDescription(
        { type: "array", items: toStructural(s.items as TSchema, `${where}[]`) },
        s,
      );
    case "object": {
      const out: JsonSchemaProps = { type: "object" };
      withDescription(out, s);
      if (s.properties !== undefined) {
        const props = node(s.properties, `${where}.properties`);
        out.properties = {};
        for (const key of Object.keys(props)) {
          out.properties[key] = toStructural(props[key] as TSchema, `${where}.${key}`);
        }
        if (Array.isArray(s.required) && s.required.length > 0)
          out.required = [...(s.required as string[])];
      }
      if (s.patternProperties !== undefined && !preserve) {
        const [valueSchema] = Object.values(
          node(s.patternProperties, `${where}.patternProperties`),
        );
        out.additionalProperties = toStructural(valueSchema as TSchema, `${where}.*`);
      }
      if (preserve) out[PRESERVE_UNKNOWN] = true;
      return out;
    }
    case undefined:
      if (preserve) return withDescription({ [PRESERVE_UNKNOWN]: true }, s);
      throw new Error(`schema at ${where} has no type and does not preserve unknown fields`);
    default:
      throw new Error(`schema at ${where}: unsupported type ${String(s.type)}`);
  }
}

/**
 * The top-level schema of a kind: Kubernetes validates `metadata` itself and rejects CRD
 * schemas that constrain it beyond name/generateName, so metadata is a bare object.
 */
export function toKindSchema(schema: TSchema): JsonSchemaProps {
  const out = toStructural(schema);
  if (out.properties?.metadata !== undefined) out.properties.metadata = { type: "object" };
  // apiVersion and kind are checked by the API server against the CRD itself.
  out.required = (out.required ?? []).filter(
    (k) => k !== "apiVersion" && k !== "kind" && k !== "metadata",
  );
  if (out.required.length === 0) delete out.required;
  return out;
}
