// Kubernetes types shared by every kind. Kubernetes' own types are huge, so they are kept
// permissive: the fields this project reads are typed, everything else is preserved.
import { type Static, Type } from "@sinclair/typebox";
import { FreeObject, Int64, OpenObject, StringMap, Time } from "./schema-helpers.js";

export const API_GROUP = "argoproj.io";
export const API_VERSION = "v1alpha1";
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const OwnerReferenceSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});
export type OwnerReference = Static<typeof OwnerReferenceSchema>;

export const ObjectMetaSchema = OpenObject({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Int64()),
  creationTimestamp: Type.Optional(Time()),
  deletionTimestamp: Type.Optional(Time()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  ownerReferences: Type.Optional(Type.Array(OwnerReferenceSchema)),
  finalizers: Type.Optional(Type.Array(Type.String())),
});
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

export const LabelSelectorRequirementSchema = Type.Object({
  key: Type.String(),
  operator: Type.String({ description: "In, NotIn, Exists or DoesNotExist" }),
  values: Type.Optional(Type.Array(Type.String())),
});
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirementSchema>;

export const LabelSelectorSchema = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirementSchema)),
});
export type LabelSelector = Static<typeof LabelSelectorSchema>;

/** Labels and annotations only (ephemeral metadata, experiment template metadata). */
export const PodTemplateMetadataSchema = Type.Object({
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
});
export type PodTemplateMetadata = Static<typeof PodTemplateMetadataSchema>;

/**
 * A pod template. Only its labels and annotations are typed; the pod spec is stored as the
 * user wrote it (the API server validates it again when the ReplicaSet is created).
 */
export const PodTemplateSpecSchema = OpenObject(
  {
    metadata: Type.Optional(
      OpenObject({
        labels: Type.Optional(StringMap()),
        annotations: Type.Optional(StringMap()),
      }),
    ),
    spec: Type.Optional(FreeObject()),
  },
  "Pod template: labels and annotations are typed, the pod spec is kept as written.",
);
export type PodTemplateSpec = Static<typeof PodTemplateSpecSchema>;

export const ConditionStatusSchema = Type.String({ description: "True, False or Unknown" });
