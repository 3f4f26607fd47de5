// Label, annotation, condition and event strings of the Rollout controller, each written once.
// spec/rollout-behavior.md §10 (labels/annotations/events) and §2.2 (conditions/reasons).

import {
  ANNOTATION_DESIRED_REPLICAS,
  ANNOTATION_EPHEMERAL_METADATA,
  ANNOTATION_LAST_APPLIED,
  ANNOTATION_MANAGED_BY_ROLLOUTS,
  ANNOTATION_NOTIFIED,
  ANNOTATION_REVISION,
  ANNOTATION_REVISION_HISTORY,
  ANNOTATION_SCALE_DOWN_DEADLINE,
  ANNOTATION_WORKLOAD_GENERATION,
  EVENT_REASONS,
  LABEL_POD_TEMPLATE_HASH,
} from "../api/labels.js";

// Local short names for the package-wide constants of api/labels.ts.
export const POD_TEMPLATE_HASH_LABEL = LABEL_POD_TEMPLATE_HASH;
export const REVISION_ANNOTATION = ANNOTATION_REVISION;
export const REVISION_HISTORY_ANNOTATION = ANNOTATION_REVISION_HISTORY;
export const DESIRED_REPLICAS_ANNOTATION = ANNOTATION_DESIRED_REPLICAS;
export const EPHEMERAL_METADATA_ANNOTATION = ANNOTATION_EPHEMERAL_METADATA;
export const SCALE_DOWN_DEADLINE_ANNOTATION = ANNOTATION_SCALE_DOWN_DEADLINE;
export const WORKLOAD_GENERATION_ANNOTATION = ANNOTATION_WORKLOAD_GENERATION;
export const MANAGED_BY_ROLLOUTS_ANNOTATION = ANNOTATION_MANAGED_BY_ROLLOUTS;

/** Rollout annotations never copied to a new ReplicaSet (spec §7.2). */
export const ANNOTATIONS_NOT_COPIED: ReadonlySet<string> = new Set([
  ANNOTATION_LAST_APPLIED,
  ANNOTATION_REVISION,
  ANNOTATION_REVISION_HISTORY,
  ANNOTATION_DESIRED_REPLICAS,
  ANNOTATION_NOTIFIED,
]);

export const ConditionType = {
  Progressing: "Progressing",
  Paused: "Paused",
  Available: "Available",
  Completed: "Completed",
  Healthy: "Healthy",
  ReplicaFailure: "ReplicaFailure",
  InvalidSpec: "InvalidSpec",
} as const;

export const Reason = {
  NewReplicaSetCreated: "NewReplicaSetCreated",
  FoundNewReplicaSet: "FoundNewReplicaSet",
  ReplicaSetUpdated: "ReplicaSetUpdated",
  ReplicaSetNotAvailable: "ReplicaSetNotAvailable",
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  RolloutAborted: "RolloutAborted",
  RolloutPaused: "RolloutPaused",
  RolloutResumed: "RolloutResumed",
  RolloutRetry: "RolloutRetry",
  ReplicaSetCreateError: "ReplicaSetCreateError",
  Available: "AvailableReason",
  RolloutCompleted: "RolloutCompleted",
  RolloutHealthy: "RolloutHealthy",
  InvalidSpec: "InvalidSpec",
} as const;

export const PauseConditionReason = {
  CanaryPauseStep: "CanaryPauseStep",
  BlueGreenPause: "BlueGreenPause",
  InconclusiveAnalysisRun: "InconclusiveAnalysisRun",
  InconclusiveExperiment: "InconclusiveExperiment",
} as const;

export const EventReason = {
  ...EVENT_REASONS,
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  InvalidSpec: "InvalidSpec",
  RolloutRetry: "RolloutRetry",
  /** Sluice-specific: a step or field needs a feature that a later issue brings. */
  FeatureNotAvailable: "FeatureNotAvailable",
} as const;

export const Phase = {
  Progressing: "Progressing",
  Paused: "Paused",
  Healthy: "Healthy",
  Degraded: "Degraded",
} as const;
