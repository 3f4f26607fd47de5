// The Rollout kind (spec/rollout-behavior.md §1, §2). Field names are the original's.
import { type Static, Type } from "@sinclair/typebox";
import {
  ConditionStatusSchema,
  LabelSelectorSchema,
  ObjectMetaSchema,
  PodTemplateMetadataSchema,
  PodTemplateSpecSchema,
} from "./common.js";
import {
  CanaryStepSchema,
  RolloutAnalysisBackgroundSchema,
  RolloutAnalysisSchema,
} from "./rollout-steps.js";
import { FreeObject, FreeValue, Int32, IntOrString, StringEnum, Time } from "./schema-helpers.js";
import { RolloutTrafficRoutingSchema, WeightDestinationSchema } from "./traffic-routing.js";

export const AntiAffinitySchema = Type.Object(
  {
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
      Type.Object({ weight: Int32("1..100") }),
    ),
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Object({})),
  },
  { description: "Exactly one kind." },
);
export type AntiAffinity = Static<typeof AntiAffinitySchema>;

export const ReplicaProgressThresholdSchema = Type.Object({
  type: StringEnum(["Percent", "Pods"] as const),
  value: Int32(),
});
export type ReplicaProgressThreshold = Static<typeof ReplicaProgressThresholdSchema>;

export const CanaryStrategySchema = Type.Object({
  canaryService: Type.Optional(Type.String()),
  stableService: Type.Optional(Type.String()),
  steps: Type.Optional(Type.Array(CanaryStepSchema)),
  trafficRouting: Type.Optional(RolloutTrafficRoutingSchema),
  maxUnavailable: Type.Optional(
    IntOrString("Integer, or a percent of replicas (rounded down). Default 25%."),
  ),
  maxSurge: Type.Optional(
    IntOrString("Integer, or a percent of replicas (rounded up). Default 25%."),
  ),
  analysis: Type.Optional(RolloutAnalysisBackgroundSchema),
  antiAffinity: Type.Optional(AntiAffinitySchema),
  canaryMetadata: Type.Optional(PodTemplateMetadataSchema),
  stableMetadata: Type.Optional(PodTemplateMetadataSchema),
  scaleDownDelaySeconds: Type.Optional(Int32()),
  scaleDownDelayRevisionLimit: Type.Optional(Int32()),
  abortScaleDownDelaySeconds: Type.Optional(Int32()),
  dynamicStableScale: Type.Optional(Type.Boolean()),
  pingPong: Type.Optional(Type.Object({ pingService: Type.String(), pongService: Type.String() })),
  minPodsPerReplicaSet: Type.Optional(Int32()),
  replicaProgressThreshold: Type.Optional(ReplicaProgressThresholdSchema),
});
export type CanaryStrategy = Static<typeof CanaryStrategySchema>;

export const BlueGreenStrategySchema = Type.Object({
  activeService: Type.String(),
  previewService: Type.Optional(Type.String()),
  previewReplicaCount: Type.Optional(Int32()),
  autoPromotionEnabled: Type.Optional(Type.Boolean()),
  autoPromotionSeconds: Type.Optional(Int32()),
  maxUnavailable: Type.Optional(IntOrString()),
  scaleDownDelaySeconds: Type.Optional(Int32()),
  scaleDownDelayRevisionLimit: Type.Optional(Int32()),
  abortScaleDownDelaySeconds: Type.Optional(Int32()),
  prePromotionAnalysis: Type.Optional(RolloutAnalysisSchema),
  postPromotionAnalysis: Type.Optional(RolloutAnalysisSchema),
  antiAffinity: Type.Optional(AntiAffinitySchema),
  previewMetadata: Type.Optional(PodTemplateMetadataSchema),
  activeMetadata: Type.Optional(PodTemplateMetadataSchema),
});
export type BlueGreenStrategy = Static<typeof BlueGreenStrategySchema>;

export const RolloutStrategySchema = Type.Object(
  {
    canary: Type.Optional(CanaryStrategySchema),
    blueGreen: Type.Optional(BlueGreenStrategySchema),
  },
  { description: "Exactly one of canary or blueGreen." },
);
export type RolloutStrategy = Static<typeof RolloutStrategySchema>;

export const WORKLOAD_SCALE_DOWN = ["never", "onsuccess", "progressively"] as const;
export type WorkloadScaleDown = (typeof WORKLOAD_SCALE_DOWN)[number];

export const WorkloadRefSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  scaleDown: Type.Optional(
    Type.String({ description: "never (default), onsuccess or progressively" }),
  ),
});
export type WorkloadRef = Static<typeof WorkloadRefSchema>;

export const RolloutSpecSchema = Type.Object({
  replicas: Type.Optional(Int32("Default 1.")),
  selector: Type.Optional(LabelSelectorSchema),
  template: Type.Optional(PodTemplateSpecSchema),
  workloadRef: Type.Optional(WorkloadRefSchema),
  minReadySeconds: Type.Optional(Int32()),
  revisionHistoryLimit: Type.Optional(Int32("Default 10.")),
  paused: Type.Optional(Type.Boolean()),
  progressDeadlineSeconds: Type.Optional(Int32("Default 600.")),
  progressDeadlineAbort: Type.Optional(Type.Boolean()),
  restartAt: Type.Optional(Time()),
  rollbackWindow: Type.Optional(Type.Object({ revisions: Type.Optional(Int32()) })),
  analysis: Type.Optional(
    Type.Object({
      successfulRunHistoryLimit: Type.Optional(Int32("Default 5.")),
      unsuccessfulRunHistoryLimit: Type.Optional(Int32("Default 5.")),
    }),
  ),
  strategy: RolloutStrategySchema,
});
export type RolloutSpec = Static<typeof RolloutSpecSchema>;

// ---- status (§2) ----

export const PAUSE_REASONS = [
  "CanaryPauseStep",
  "BlueGreenPause",
  "InconclusiveAnalysisRun",
  "InconclusiveExperiment",
] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export const PauseConditionSchema = Type.Object({
  reason: Type.String({ description: PAUSE_REASONS.join(", ") }),
  startTime: Time(),
});
export type PauseCondition = Static<typeof PauseConditionSchema>;

export const ROLLOUT_CONDITION_TYPES = [
  "Progressing",
  "Paused",
  "Available",
  "Completed",
  "Healthy",
  "ReplicaFailure",
  "InvalidSpec",
] as const;
export type RolloutConditionType = (typeof ROLLOUT_CONDITION_TYPES)[number];

export const RolloutConditionSchema = Type.Object({
  type: Type.String({ description: ROLLOUT_CONDITION_TYPES.join(", ") }),
  status: ConditionStatusSchema,
  lastUpdateTime: Time(),
  lastTransitionTime: Time(),
  reason: Type.String(),
  message: Type.String(),
});
export type RolloutCondition = Static<typeof RolloutConditionSchema>;

export const ROLLOUT_PHASES = ["Healthy", "Degraded", "Progressing", "Paused"] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export const RolloutAnalysisRunStatusSchema = Type.Object({
  name: Type.String(),
  status: Type.String({ description: "AnalysisRun phase" }),
  message: Type.Optional(Type.String()),
});
export type RolloutAnalysisRunStatus = Static<typeof RolloutAnalysisRunStatusSchema>;

export const TrafficWeightsSchema = Type.Object({
  canary: WeightDestinationSchema,
  stable: WeightDestinationSchema,
  additional: Type.Optional(Type.Array(WeightDestinationSchema)),
  verified: Type.Optional(Type.Boolean()),
});
export type TrafficWeights = Static<typeof TrafficWeightsSchema>;

export const CanaryStatusSchema = Type.Object({
  currentStepAnalysisRunStatus: Type.Optional(RolloutAnalysisRunStatusSchema),
  currentBackgroundAnalysisRunStatus: Type.Optional(RolloutAnalysisRunStatusSchema),
  currentExperiment: Type.Optional(Type.String()),
  weights: Type.Optional(TrafficWeightsSchema),
  stablePingPong: Type.Optional(StringEnum(["ping", "pong"] as const)),
  stepPluginStatuses: Type.Optional(Type.Array(FreeObject())),
});
export type CanaryStatus = Static<typeof CanaryStatusSchema>;

export const BlueGreenStatusSchema = Type.Object({
  previewSelector: Type.Optional(Type.String()),
  activeSelector: Type.Optional(Type.String()),
  scaleUpPreviewCheckPoint: Type.Optional(Type.Boolean()),
  prePromotionAnalysisRunStatus: Type.Optional(RolloutAnalysisRunStatusSchema),
  postPromotionAnalysisRunStatus: Type.Optional(RolloutAnalysisRunStatusSchema),
});
export type BlueGreenStatus = Static<typeof BlueGreenStatusSchema>;

export const RolloutStatusSchema = Type.Object({
  abort: Type.Optional(Type.Boolean()),
  abortedAt: Type.Optional(Time()),
  pauseConditions: Type.Optional(Type.Array(PauseConditionSchema)),
  controllerPause: Type.Optional(Type.Boolean()),
  promoteFull: Type.Optional(Type.Boolean()),
  currentPodHash: Type.Optional(Type.String()),
  currentStepHash: Type.Optional(Type.String()),
  currentStepIndex: Type.Optional(Int32()),
  stableRS: Type.Optional(Type.String()),
  replicas: Type.Optional(Int32()),
  updatedReplicas: Type.Optional(Int32()),
  readyReplicas: Type.Optional(Int32()),
  availableReplicas: Type.Optional(Int32()),
  HPAReplicas: Type.Optional(Int32()),
  selector: Type.Optional(Type.String()),
  collisionCount: Type.Optional(Int32()),
  observedGeneration: Type.Optional(
    Type.String({ description: "metadata.generation as a string" }),
  ),
  conditions: Type.Optional(Type.Array(RolloutConditionSchema)),
  canary: Type.Optional(CanaryStatusSchema),
  blueGreen: Type.Optional(BlueGreenStatusSchema),
  restartedAt: Type.Optional(Time()),
  workloadObservedGeneration: Type.Optional(Type.String()),
  phase: Type.Optional(Type.String({ description: ROLLOUT_PHASES.join(", ") })),
  message: Type.Optional(Type.String()),
  alb: Type.Optional(FreeObject("ALB bookkeeping")),
  albs: Type.Optional(Type.Array(FreeObject())),
  duration: Type.Optional(FreeValue("Timing of the last update")),
});
export type RolloutStatus = Static<typeof RolloutStatusSchema>;

export const RolloutSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMetaSchema,
  spec: RolloutSpecSchema,
  status: Type.Optional(RolloutStatusSchema),
});
export type Rollout = Static<typeof RolloutSchema>;
