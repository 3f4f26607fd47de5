// Label, annotation and event strings exactly as spec/rollout-behavior.md §10 lists them.
// Every module of this package takes them from here (CONVENTIONS: never the literal twice).

export const LABEL_POD_TEMPLATE_HASH = "rollouts-pod-template-hash";
export const LABEL_CONTROLLER_INSTANCE_ID = "argo-rollouts.argoproj.io/controller-instance-id";
export const LABEL_ROLLOUT_TYPE = "rollout-type";
export const LABEL_STEP_INDEX = "step-index";

export const ANNOTATION_REVISION = "rollout.argoproj.io/revision";
export const ANNOTATION_REVISION_HISTORY = "rollout.argoproj.io/revision-history";
export const ANNOTATION_DESIRED_REPLICAS = "rollout.argoproj.io/desired-replicas";
export const ANNOTATION_EPHEMERAL_METADATA = "rollout.argoproj.io/ephemeral-metadata";
export const ANNOTATION_SCALE_DOWN_DEADLINE = "scale-down-deadline";
export const ANNOTATION_WORKLOAD_GENERATION = "rollout.argoproj.io/workload-generation";
export const ANNOTATION_MANAGED_BY_ROLLOUTS = "argo-rollouts.argoproj.io/managed-by-rollouts";
export const ANNOTATION_EXPERIMENT_NAME = "experiment.argoproj.io/name";
export const ANNOTATION_EXPERIMENT_TEMPLATE_NAME = "experiment.argoproj.io/template-name";
/** Defined by the original but never read or written by its controller (§10). */
export const ANNOTATION_RESTARTED_AFTER = "argo-rollouts.argoproj.io/restarted-after";
export const ANNOTATION_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
export const ANNOTATION_NOTIFIED = "notified.notifications.argoproj.io";

export const ROLLOUT_TYPE_STEP = "Step";
export const ROLLOUT_TYPE_BACKGROUND = "Background";
export const ROLLOUT_TYPE_PRE_PROMOTION = "PrePromotion";
export const ROLLOUT_TYPE_POST_PROMOTION = "PostPromotion";

export const EVENT_REASONS = {
  RolloutUpdated: "RolloutUpdated",
  NewReplicaSetCreated: "NewReplicaSetCreated",
  ScalingReplicaSet: "ScalingReplicaSet",
  RolloutStepCompleted: "RolloutStepCompleted",
  RolloutPaused: "RolloutPaused",
  RolloutResumed: "RolloutResumed",
  RolloutAborted: "RolloutAborted",
  RolloutCompleted: "RolloutCompleted",
  RolloutNotCompleted: "RolloutNotCompleted",
  SwitchService: "SwitchService",
  TrafficWeightUpdated: "TrafficWeightUpdated",
  SkipSteps: "SkipSteps",
  ExperimentCreated: "ExperimentCreated",
} as const;
