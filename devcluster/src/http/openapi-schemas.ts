import type { ResourceType } from "../api/registry.js";
import { isObject, type JsonObject } from "../api/types.js";

/**
 * Schemas for the OpenAPI documents (`/openapi/v3/...` components and `/openapi/v2`
 * definitions), one per served kind, named as the API server names them
 * (`io.k8s.api.apps.v1.Deployment`, `io.argoproj.v1alpha1.Rollout`) and tagged with
 * `x-kubernetes-group-version-kind`, which is how `kubectl explain` finds a kind's schema.
 * A custom resource gets its CRD's `openAPIV3Schema`; a built-in kind only its envelope
 * (apiVersion, kind, metadata, and spec/status as open objects): devcluster does not carry
 * the built-in kinds' field schemas.
 */

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

export type RefStyle = "v2" | "v3";

function ref(style: RefStyle, name: string): string {
  return style === "v2" ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

export function definitionName(type: ResourceType): string {
  if (type.builtin) {
    const group = type.group === "" ? "core" : (type.group.split(".")[0] ?? type.group);
    return `io.k8s.api.${group}.${type.version}.${type.kind}`;
  }
  return `${type.group.split(".").reverse().join(".")}.${type.version}.${type.kind}`;
}

const OBJECT_META_SCHEMA: JsonObject = {
  description:
    "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  type: "object",
  properties: {
    name: { type: "string", description: "Name must be unique within a namespace." },
    generateName: {
      type: "string",
      description: "Prefix the server uses to generate a unique name when none is given.",
    },
    namespace: { type: "string", description: "The namespace the object lives in." },
    uid: { type: "string", description: "Unique in time and space for this object." },
    resourceVersion: {
      type: "string",
      description: "Opaque version of this object, for optimistic concurrency and watches.",
    },
    generation: {
      type: "integer",
      format: "int64",
      description: "A sequence number for a specific generation of the desired state.",
    },
    creationTimestamp: { type: "string", format: "date-time", description: "Creation time." },
    deletionTimestamp: {
      type: "string",
      format: "date-time",
      description: "When the object will be deleted; set by the server when deletion is asked.",
    },
    labels: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Map of string keys and values to organize and select objects.",
    },
    annotations: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Unstructured key value map stored with the object.",
    },
    ownerReferences: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      description: "Objects this object depends on; used for garbage collection.",
    },
    finalizers: {
      type: "array",
      items: { type: "string" },
      description: "Must be empty before the object is deleted from the registry.",
    },
  },
};

/** Constructs that Swagger 2.0 lacks are dropped from v2 schemas, as the API server does. */
const NOT_IN_V2 = new Set(["nullable", "oneOf", "anyOf", "not"]);

function forV2(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forV2);
  if (!isObject(schema)) return schema;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (NOT_IN_V2.has(key)) continue;
    // `properties` and `definitions`-like maps hold field names, not keywords: keep every key.
    result[key] =
      key === "properties" && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forV2(v)]))
        : forV2(value);
  }
  return result;
}

function kindSchema(type: ResourceType, style: RefStyle): JsonObject {
  const envelope: JsonObject = {
    apiVersion: {
      type: "string",
      description: "APIVersion defines the versioned schema of this representation of an object.",
    },
    kind: {
      type: "string",
      description: "Kind is a string value representing the REST resource this object represents.",
    },
    metadata: { $ref: ref(style, OBJECT_META) },
  };
  const gvk = [{ group: type.group, kind: type.kind, version: type.version }];
  if (type.schema) {
    const own = isObject(type.schema.properties) ? type.schema.properties : {};
    const schema: JsonObject = {
      ...type.schema,
      type: "object",
      properties: { ...own, ...envelope },
      "x-kubernetes-group-version-kind": gvk,
    };
    return (style === "v2" ? forV2(schema) : schema) as JsonObject;
  }
  const open = (what: string): JsonObject => ({
    type: "object",
    description: `The ${what} of the ${type.kind}. devcluster does not publish the fields of built-in kinds.`,
    "x-kubernetes-preserve-unknown-fields": true,
  });
  return {
    type: "object",
    description: `${type.kind} (${type.group === "" ? "core" : type.group}/${type.version}).`,
    properties: {
      ...envelope,
      spec: open("desired state"),
      ...(type.statusSubresource ? { status: open("observed status") } : {}),
    },
    "x-kubernetes-group-version-kind": gvk,
  };
}

/** The schemas for some kinds, plus the shared ObjectMeta they refer to. */
export function schemasFor(types: ResourceType[], style: RefStyle): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = { [OBJECT_META]: OBJECT_META_SCHEMA };
  for (const type of types) schemas[definitionName(type)] = kindSchema(type, style);
  return schemas;
}
