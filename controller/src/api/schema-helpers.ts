// Building blocks shared by every resource schema. The schemas in this folder are the one
// definition per kind: the TypeScript types, runtime validation, defaults and the CRD YAML
// (scripts/gen-crds.ts) all derive from them. Only constructs that translate cleanly into a
// Kubernetes structural schema are used here (see crd-schema.ts for the translation).
import { FormatRegistry, type TLiteral, type TSchema, type TUnion, Type } from "@sinclair/typebox";

/** Extension keyword understood by the CRD translation and by the null-pruning walker. */
export const PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields";
export const INT_OR_STRING = "x-kubernetes-int-or-string";

// TypeBox rejects values whose `format` it does not know; register the formats we use.
// int32/int64 are range hints for the CRD only. date-time accepts RFC 3339 as Kubernetes
// writes it (second or sub-second precision, Z or an offset).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has("int32")) FormatRegistry.Set("int32", () => true);
if (!FormatRegistry.Has("int64")) FormatRegistry.Set("int64", () => true);
if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (v) => RFC3339.test(v));

export const Int32 = (description?: string) =>
  Type.Integer(description === undefined ? { format: "int32" } : { format: "int32", description });

export const Int64 = (description?: string) =>
  Type.Integer(description === undefined ? { format: "int64" } : { format: "int64", description });

/** RFC 3339 timestamp as the API server serialises metav1.Time. */
export const Time = (description?: string) =>
  Type.String(
    description === undefined ? { format: "date-time" } : { format: "date-time", description },
  );

/** Kubernetes IntOrString: an integer, or a string (for replica counts: a percentage). */
export const IntOrString = (description?: string) =>
  Type.Union([Type.Integer(), Type.String()], {
    [INT_OR_STRING]: true,
    ...(description === undefined ? {} : { description }),
  });

/** A map of string to string (labels, annotations). */
export const StringMap = (description?: string) =>
  Type.Record(Type.String(), Type.String(), description === undefined ? {} : { description });

/** A string restricted to a set of values; becomes `enum` in the CRD. */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  description?: string,
): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(
    values.map((v) => Type.Literal(v as T[number])),
    description === undefined ? {} : { description },
  );

/** Any JSON object; stored as given (pod specs, plugin configuration, provider blocks). */
export const FreeObject = (description?: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    [PRESERVE_UNKNOWN]: true,
    ...(description === undefined ? {} : { description }),
  });

/** Any JSON value. */
export const FreeValue = (description?: string) =>
  Type.Unknown({ [PRESERVE_UNKNOWN]: true, ...(description === undefined ? {} : { description }) });

/** An object with typed known fields that also keeps fields it does not declare. */
export const OpenObject = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  description?: string,
) =>
  Type.Object(properties, {
    [PRESERVE_UNKNOWN]: true,
    ...(description === undefined ? {} : { description }),
  });

export type { TSchema };
