// The Experiment kind (spec/analysis-and-providers.md §7.1).
import { type Static, Type } from "@sinclair/typebox";
import { ArgumentSchema } from "./analysis.js";
import {
  ConditionStatusSchema,
  LabelSelectorSchema,
  ObjectMetaSchema,
  PodTemplateSpecSchema,
} from "./common.js";
import {
  AnalysisRunMetadataSchema,
  DryRunSchema,
  MeasurementRetentionSchema,
} from "./rollout-steps.js";
import { Int32, Time } from "./schema-helpers.js";

export const ExperimentTemplateSchema = Type.Object({
  name: Type.String(),
  replicas: Type.Optional(Int32("Default 1.")),
  minReadySeconds: Type.Optional(Int32()),
  selector: LabelSelectorSchema,
  template: PodTemplateSpecSchema,
  service: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })),
});
export type ExperimentTemplate = Static<typeof ExperimentTemplateSchema>;

export const ExperimentAnalysisTemplateRefSchema = Type.Object({
  name: Type.String(),
  templateName: Type.String(),
  clusterScope: Type.Optional(Type.Boolean()),
  args: Type.Optional(Type.Array(ArgumentSchema)),
  requiredForCompletion: Type.Optional(Type.Boolean()),
});
export type ExperimentAnalysisTemplateRef = Static<typeof ExperimentAnalysisTemplateRefSchema>;

export const ExperimentSpecSchema = Type.Object({
  templates: Type.Array(ExperimentTemplateSchema),
  duration: Type.Optional(Type.String({ description: "Go duration; none = indefinite" })),
  progressDeadlineSeconds: Type.Optional(Int32("Default 600.")),
  terminate: Type.Optional(Type.Boolean()),
  analyses: Type.Optional(Type.Array(ExperimentAnalysisTemplateRefSchema)),
  scaleDownDelaySeconds: Type.Optional(Int32("Default 30.")),
  dryRun: Type.Optional(Type.Array(DryRunSchema)),
  measurementRetention: Type.Optional(Type.Array(MeasurementRetentionSchema)),
  analysisRunMetadata: Type.Optional(AnalysisRunMetadataSchema),
});
export type ExperimentSpec = Static<typeof ExperimentSpecSchema>;

export const TEMPLATE_STATUS_CODES = [
  "Progressing",
  "Running",
  "Successful",
  "Failed",
  "Error",
] as const;
export type TemplateStatusCode = (typeof TEMPLATE_STATUS_CODES)[number];

export const TemplateStatusSchema = Type.Object({
  name: Type.String(),
  replicas: Int32(),
  updatedReplicas: Int32(),
  readyReplicas: Int32(),
  availableReplicas: Int32(),
  collisionCount: Type.Optional(Int32()),
  status: Type.Optional(Type.String({ description: TEMPLATE_STATUS_CODES.join(", ") })),
  message: Type.Optional(Type.String()),
  lastTransitionTime: Type.Optional(Time()),
  serviceName: Type.Optional(Type.String()),
  podTemplateHash: Type.Optional(Type.String()),
});
export type TemplateStatus = Static<typeof TemplateStatusSchema>;

export const ExperimentAnalysisRunStatusSchema = Type.Object({
  name: Type.String(),
  analysisRun: Type.String(),
  phase: Type.String(),
  message: Type.Optional(Type.String()),
});
export type ExperimentAnalysisRunStatus = Static<typeof ExperimentAnalysisRunStatusSchema>;

export const ExperimentConditionSchema = Type.Object({
  type: Type.String({ description: "Progressing or InvalidSpec" }),
  status: ConditionStatusSchema,
  lastUpdateTime: Time(),
  lastTransitionTime: Time(),
  reason: Type.String(),
  message: Type.String(),
});
export type ExperimentCondition = Static<typeof ExperimentConditionSchema>;

export const ExperimentStatusSchema = Type.Object({
  phase: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  templateStatuses: Type.Optional(Type.Array(TemplateStatusSchema)),
  availableAt: Type.Optional(Time()),
  conditions: Type.Optional(Type.Array(ExperimentConditionSchema)),
  analysisRuns: Type.Optional(Type.Array(ExperimentAnalysisRunStatusSchema)),
});
export type ExperimentStatus = Static<typeof ExperimentStatusSchema>;

export const ExperimentSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMetaSchema,
  spec: ExperimentSpecSchema,
  status: Type.Optional(ExperimentStatusSchema),
});
export type Experiment = Static<typeof ExperimentSchema>;
