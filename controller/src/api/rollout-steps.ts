// Canary steps and the analysis/experiment references a Rollout carries
// (spec/rollout-behavior.md §1.3, spec/analysis-and-providers.md §3, §7.3).
import { type Static, Type } from "@sinclair/typebox";
import { LabelSelectorSchema, PodTemplateMetadataSchema } from "./common.js";
import { FreeObject, Int32, IntOrString, StringEnum } from "./schema-helpers.js";
import { HeaderRoutingMatchSchema, RouteMatchSchema } from "./traffic-routing.js";

export const AnalysisTemplateRefSchema = Type.Object({
  templateName: Type.Optional(Type.String()),
  clusterScope: Type.Optional(Type.Boolean()),
});
export type AnalysisTemplateRef = Static<typeof AnalysisTemplateRefSchema>;

/** An argument in a Rollout's analysis: a literal, or taken from the Rollout or a pod hash. */
export const AnalysisRunArgumentSchema = Type.Object({
  name: Type.String(),
  value: Type.Optional(Type.String()),
  valueFrom: Type.Optional(
    Type.Object({
      podTemplateHashValue: Type.Optional(StringEnum(["Stable", "Latest"] as const)),
      fieldRef: Type.Optional(Type.Object({ fieldPath: Type.String() })),
    }),
  ),
});
export type AnalysisRunArgument = Static<typeof AnalysisRunArgumentSchema>;

export const DryRunSchema = Type.Object({ metricName: Type.String() });
export type DryRun = Static<typeof DryRunSchema>;

export const MeasurementRetentionSchema = Type.Object({
  metricName: Type.String(),
  limit: Int32(),
});
export type MeasurementRetention = Static<typeof MeasurementRetentionSchema>;

export const AnalysisRunMetadataSchema = PodTemplateMetadataSchema;
export type AnalysisRunMetadata = Static<typeof AnalysisRunMetadataSchema>;

const rolloutAnalysisProperties = {
  templates: Type.Optional(Type.Array(AnalysisTemplateRefSchema)),
  args: Type.Optional(Type.Array(AnalysisRunArgumentSchema)),
  dryRun: Type.Optional(Type.Array(DryRunSchema)),
  measurementRetention: Type.Optional(Type.Array(MeasurementRetentionSchema)),
  analysisRunMetadata: Type.Optional(AnalysisRunMetadataSchema),
};

export const RolloutAnalysisSchema = Type.Object(rolloutAnalysisProperties);
export type RolloutAnalysis = Static<typeof RolloutAnalysisSchema>;

/** Background analysis of a canary: starts once the step index reaches startingStep. */
export const RolloutAnalysisBackgroundSchema = Type.Object({
  ...rolloutAnalysisProperties,
  startingStep: Type.Optional(Int32()),
});
export type RolloutAnalysisBackground = Static<typeof RolloutAnalysisBackgroundSchema>;

export const RolloutExperimentTemplateSchema = Type.Object({
  name: Type.String(),
  specRef: StringEnum(["canary", "stable"] as const),
  replicas: Type.Optional(Int32()),
  metadata: Type.Optional(PodTemplateMetadataSchema),
  selector: Type.Optional(LabelSelectorSchema),
  weight: Type.Optional(Int32()),
  service: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) })),
});
export type RolloutExperimentTemplate = Static<typeof RolloutExperimentTemplateSchema>;

export const RolloutExperimentAnalysisSchema = Type.Object({
  name: Type.String(),
  templateName: Type.String(),
  clusterScope: Type.Optional(Type.Boolean()),
  args: Type.Optional(Type.Array(AnalysisRunArgumentSchema)),
  requiredForCompletion: Type.Optional(Type.Boolean()),
});
export type RolloutExperimentAnalysis = Static<typeof RolloutExperimentAnalysisSchema>;

export const RolloutExperimentStepSchema = Type.Object({
  templates: Type.Array(RolloutExperimentTemplateSchema),
  duration: Type.Optional(Type.String({ description: "Go duration; none = run until terminated" })),
  analyses: Type.Optional(Type.Array(RolloutExperimentAnalysisSchema)),
  dryRun: Type.Optional(Type.Array(DryRunSchema)),
  analysisRunMetadata: Type.Optional(AnalysisRunMetadataSchema),
  scaleDownDelaySeconds: Type.Optional(Int32()),
});
export type RolloutExperimentStep = Static<typeof RolloutExperimentStepSchema>;

export const RolloutPauseSchema = Type.Object({
  duration: Type.Optional(
    IntOrString("Seconds as an integer, or a string: integer seconds or a Go duration."),
  ),
});
export type RolloutPause = Static<typeof RolloutPauseSchema>;

export const SetCanaryScaleSchema = Type.Object({
  weight: Type.Optional(Int32()),
  replicas: Type.Optional(Int32()),
  matchTrafficWeight: Type.Optional(Type.Boolean()),
});
export type SetCanaryScale = Static<typeof SetCanaryScaleSchema>;

export const SetHeaderRouteSchema = Type.Object({
  name: Type.Optional(Type.String()),
  match: Type.Optional(
    Type.Array(HeaderRoutingMatchSchema, { description: "Absent: remove the route." }),
  ),
});
export type SetHeaderRoute = Static<typeof SetHeaderRouteSchema>;

export const SetMirrorRouteSchema = Type.Object({
  name: Type.String(),
  match: Type.Optional(Type.Array(RouteMatchSchema, { description: "Absent: remove the route." })),
  percentage: Type.Optional(Int32()),
});
export type SetMirrorRoute = Static<typeof SetMirrorRouteSchema>;

export const RolloutPluginStepSchema = Type.Object({
  name: Type.String(),
  config: Type.Optional(FreeObject()),
});
export type RolloutPluginStep = Static<typeof RolloutPluginStepSchema>;

/** One canary step; exactly one kind is set (checked by validation, spec §8). */
export const CanaryStepSchema = Type.Object({
  setWeight: Type.Optional(Int32()),
  pause: Type.Optional(RolloutPauseSchema),
  experiment: Type.Optional(RolloutExperimentStepSchema),
  analysis: Type.Optional(RolloutAnalysisSchema),
  setCanaryScale: Type.Optional(SetCanaryScaleSchema),
  setHeaderRoute: Type.Optional(SetHeaderRouteSchema),
  setMirrorRoute: Type.Optional(SetMirrorRouteSchema),
  plugin: Type.Optional(RolloutPluginStepSchema),
});
export type CanaryStep = Static<typeof CanaryStepSchema>;

/** The step kinds in the order the original lists them in its validation message. */
export const CANARY_STEP_KINDS = [
  "setWeight",
  "pause",
  "experiment",
  "analysis",
  "setCanaryScale",
  "setHeaderRoute",
  "setMirrorRoute",
  "plugin",
] as const;
export type CanaryStepKind = (typeof CANARY_STEP_KINDS)[number];
