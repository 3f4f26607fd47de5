// The CRDs as @kubernetes/client-node model objects. Its serializer only copies the model's
// own property names, so a plain CRD object passed to ApiextensionsV1Api loses every
// `x-kubernetes-*` key and `enum` (they are `x_kubernetes_*` and `_enum` in the models) and
// the API server then prunes pod templates and plugin blocks. Use these to install CRDs
// from code (tests, devcluster set-up); the YAML in deploy/crds is for kubectl.
// crds-client-node.test.ts pins the result against client-node's serializer.
import type { V1CustomResourceDefinition, V1JSONSchemaProps } from "@kubernetes/client-node";
import type { JsonSchemaProps } from "./crd-schema.js";
import { buildCrd, KIND_DEFINITIONS } from "./crds.js";

export function toClientNodeSchema(schema: JsonSchemaProps): V1JSONSchemaProps {
  const out: V1JSONSchemaProps = {};
  if (schema.type !== undefined) out.type = schema.type;
  if (schema.format !== undefined) out.format = schema.format;
  if (schema.description !== undefined) out.description = schema.description;
  if (schema.enum !== undefined) out._enum = [...schema.enum];
  if (schema.required !== undefined) out.required = [...schema.required];
  if (schema.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toClientNodeSchema(v)]),
    );
  }
  // The models type `items` and `additionalProperties` as `any`: the serializer sends them
  // as they are, so they keep the wire names.
  if (schema.additionalProperties !== undefined)
    out.additionalProperties = schema.additionalProperties;
  if (schema.items !== undefined) out.items = schema.items;
  if (schema.anyOf !== undefined) out.anyOf = schema.anyOf.map(toClientNodeSchema);
  if (schema["x-kubernetes-int-or-string"] === true) out.x_kubernetes_int_or_string = true;
  if (schema["x-kubernetes-preserve-unknown-fields"] === true) {
    out.x_kubernetes_preserve_unknown_fields = true;
  }
  return out;
}

/** All five CRDs, ready for ApiextensionsV1Api.createCustomResourceDefinition({ body }). */
export function clientNodeCrds(): V1CustomResourceDefinition[] {
  return KIND_DEFINITIONS.map((def) => {
    const crd = buildCrd(def);
    return {
      ...crd,
      spec: {
        ...crd.spec,
        versions: crd.spec.versions.map((v) => ({
          ...v,
          schema: { openAPIV3Schema: toClientNodeSchema(v.schema.openAPIV3Schema) },
        })),
      },
    };
  });
}
