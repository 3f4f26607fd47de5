// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun (spec/analysis-and-providers.md §1).
import { type Static, type TOptional, Type } from "@sinclair/typebox";
import { ObjectMetaSchema } from "./common.js";
import {
  AnalysisTemplateRefSchema,
  DryRunSchema,
  MeasurementRetentionSchema,
} from "./rollout-steps.js";
import { FreeObject, Int32, IntOrString, StringMap, Time } from "./schema-helpers.js";

/** A template or run argument; no value and no valueFrom means the argument is required. */
export const ArgumentSchema = Type.Object({
  name: Type.String(),
  value: Type.Optional(Type.String()),
  valueFrom: Type.Optional(
    Type.Object({
      secretKeyRef: Type.Optional(Type.Object({ name: Type.String(), key: Type.String() })),
      fieldRef: Type.Optional(Type.Object({ fieldPath: Type.String() })),
    }),
  ),
});
export type Argument = Static<typeof ArgumentSchema>;

export const METRIC_PROVIDER_KINDS = [
  "prometheus",
  "datadog",
  "web",
  "job",
  "newRelic",
  "wavefront",
  "kayenta",
  "graphite",
  "influxdb",
  "cloudWatch",
  "skywalking",
  "plugin",
] as const;
export type MetricProviderKind = (typeof METRIC_PROVIDER_KINDS)[number];

// Each provider block is kept as written: the provider plugin owns its configuration and
// validates it itself (DESIGN §2). `plugin` maps a registered plugin name to its config.
const providerProperties = Object.fromEntries(
  METRIC_PROVIDER_KINDS.map((k) => [k, Type.Optional(FreeObject())]),
) as Record<MetricProviderKind, TOptional<ReturnType<typeof FreeObject>>>;

export const MetricProviderSchema = Type.Object(providerProperties, {
  description: "Exactly one provider.",
});
export type MetricProvider = Static<typeof MetricProviderSchema>;

export const MetricSchema = Type.Object({
  name: Type.String(),
  interval: Type.Optional(Type.String({ description: "Go duration between measurements" })),
  initialDelay: Type.Optional(
    Type.String({ description: "Go duration before the first measurement" }),
  ),
  count: Type.Optional(IntOrString()),
  successCondition: Type.Optional(Type.String()),
  failureCondition: Type.Optional(Type.String()),
  failureLimit: Type.Optional(IntOrString("Default 0; -1 disables.")),
  inconclusiveLimit: Type.Optional(IntOrString("Default 0.")),
  consecutiveErrorLimit: Type.Optional(IntOrString("Default 4.")),
  consecutiveSuccessLimit: Type.Optional(IntOrString("Default 0 (disabled).")),
  provider: MetricProviderSchema,
});
export type Metric = Static<typeof MetricSchema>;

export const AnalysisTemplateSpecSchema = Type.Object({
  metrics: Type.Optional(Type.Array(MetricSchema)),
  args: Type.Optional(Type.Array(ArgumentSchema)),
  dryRun: Type.Optional(Type.Array(DryRunSchema)),
  measurementRetention: Type.Optional(Type.Array(MeasurementRetentionSchema)),
  templates: Type.Optional(Type.Array(AnalysisTemplateRefSchema)),
});
export type AnalysisTemplateSpec = Static<typeof AnalysisTemplateSpecSchema>;

export const AnalysisTemplateSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMetaSchema,
  spec: AnalysisTemplateSpecSchema,
});
export type AnalysisTemplate = Static<typeof AnalysisTemplateSchema>;

/** Same shape as AnalysisTemplate; cluster-scoped. */
export const ClusterAnalysisTemplateSchema = AnalysisTemplateSchema;
export type ClusterAnalysisTemplate = AnalysisTemplate;

export const ANALYSIS_PHASES = [
  "Pending",
  "Running",
  "Successful",
  "Failed",
  "Error",
  "Inconclusive",
] as const;
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];

export const MeasurementSchema = Type.Object({
  phase: Type.String({ description: ANALYSIS_PHASES.join(", ") }),
  message: Type.Optional(Type.String()),
  startedAt: Type.Optional(Time()),
  finishedAt: Type.Optional(Time()),
  value: Type.Optional(Type.String()),
  metadata: Type.Optional(StringMap()),
  resumeAt: Type.Optional(Time()),
});
export type Measurement = Static<typeof MeasurementSchema>;

export const MetricResultSchema = Type.Object({
  name: Type.String(),
  phase: Type.String({ description: ANALYSIS_PHASES.join(", ") }),
  measurements: Type.Optional(Type.Array(MeasurementSchema)),
  message: Type.Optional(Type.String()),
  count: Type.Optional(Int32()),
  successful: Type.Optional(Int32()),
  failed: Type.Optional(Int32()),
  inconclusive: Type.Optional(Int32()),
  error: Type.Optional(Int32()),
  consecutiveError: Type.Optional(Int32()),
  consecutiveSuccess: Type.Optional(Int32()),
  dryRun: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(StringMap()),
});
export type MetricResult = Static<typeof MetricResultSchema>;

/** Counts metrics (not measurements) by phase. */
export const RunSummarySchema = Type.Object({
  count: Type.Optional(Int32()),
  successful: Type.Optional(Int32()),
  failed: Type.Optional(Int32()),
  inconclusive: Type.Optional(Int32()),
  error: Type.Optional(Int32()),
});
export type RunSummary = Static<typeof RunSummarySchema>;

export const TtlStrategySchema = Type.Object({
  secondsAfterCompletion: Type.Optional(Int32()),
  secondsAfterFailure: Type.Optional(Int32()),
  secondsAfterSuccess: Type.Optional(Int32()),
});
export type TtlStrategy = Static<typeof TtlStrategySchema>;

export const AnalysisRunSpecSchema = Type.Object({
  metrics: Type.Array(MetricSchema),
  args: Type.Optional(Type.Array(ArgumentSchema)),
  terminate: Type.Optional(Type.Boolean()),
  dryRun: Type.Optional(Type.Array(DryRunSchema)),
  measurementRetention: Type.Optional(Type.Array(MeasurementRetentionSchema)),
  ttlStrategy: Type.Optional(TtlStrategySchema),
});
export type AnalysisRunSpec = Static<typeof AnalysisRunSpecSchema>;

export const AnalysisRunStatusSchema = Type.Object({
  phase: Type.Optional(
    Type.String({ description: `"" until reconciled, then ${ANALYSIS_PHASES.join(", ")}` }),
  ),
  message: Type.Optional(Type.String()),
  metricResults: Type.Optional(Type.Array(MetricResultSchema)),
  startedAt: Type.Optional(Time()),
  completedAt: Type.Optional(Time()),
  runSummary: Type.Optional(RunSummarySchema),
  dryRunSummary: Type.Optional(RunSummarySchema),
});
export type AnalysisRunStatus = Static<typeof AnalysisRunStatusSchema>;

export const AnalysisRunSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMetaSchema,
  spec: AnalysisRunSpecSchema,
  status: Type.Optional(AnalysisRunStatusSchema),
});
export type AnalysisRun = Static<typeof AnalysisRunSchema>;
