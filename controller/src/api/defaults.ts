// Defaults of spec/rollout-behavior.md §1 and spec/analysis-and-providers.md §1, §7.
// The controller reads them through these accessors rather than writing them into objects,
// because several behaviours depend on whether a field was set at all (e.g. §5.8: a
// dynamic-stable-scale abort behaves differently when abortScaleDownDelaySeconds is unset,
// and §1.1: an absent spec.replicas is written back as 1).
import type { Metric } from "./analysis.js";
import type { ExperimentSpec, ExperimentTemplate } from "./experiment.js";
import type { BlueGreenStrategy, CanaryStrategy, Rollout, RolloutSpec } from "./rollout.js";

export const DEFAULT_REPLICAS = 1;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_MAX_SURGE = "25%";
export const DEFAULT_MAX_UNAVAILABLE = "25%";
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;
export const DEFAULT_ANALYSIS_RUN_HISTORY_LIMIT = 5;
export const DEFAULT_NGINX_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io";
export const DEFAULT_ALB_ANNOTATION_PREFIX = "alb.ingress.kubernetes.io";
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
export const DEFAULT_EXPERIMENT_TEMPLATE_REPLICAS = 1;
export const DEFAULT_EXPERIMENT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS = 30;

export const replicasOrDefault = (spec: RolloutSpec): number => spec.replicas ?? DEFAULT_REPLICAS;
export const minReadySecondsOrDefault = (spec: RolloutSpec): number => spec.minReadySeconds ?? 0;
export const revisionHistoryLimitOrDefault = (spec: RolloutSpec): number =>
  spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
export const progressDeadlineSecondsOrDefault = (spec: RolloutSpec): number =>
  spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
export const successfulRunHistoryLimitOrDefault = (spec: RolloutSpec): number =>
  spec.analysis?.successfulRunHistoryLimit ?? DEFAULT_ANALYSIS_RUN_HISTORY_LIMIT;
export const unsuccessfulRunHistoryLimitOrDefault = (spec: RolloutSpec): number =>
  spec.analysis?.unsuccessfulRunHistoryLimit ?? DEFAULT_ANALYSIS_RUN_HISTORY_LIMIT;

/** W of the spec: maxTrafficWeight with traffic routing, else 100. */
export const maxTrafficWeightOrDefault = (rollout: Rollout): number =>
  rollout.spec.strategy.canary?.trafficRouting?.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;

export const hasTrafficRouting = (canary: CanaryStrategy): boolean =>
  canary.trafficRouting !== undefined;

export interface DelaySetting {
  seconds: number;
  /** True when the user wrote the field (several behaviours differ on this). */
  explicit: boolean;
}

/** Canary: 30 s with traffic routing, none without (§1.2). Blue-green: 30 s (§1.5). */
export function scaleDownDelaySecondsOrDefault(spec: RolloutSpec): DelaySetting {
  const { canary, blueGreen } = spec.strategy;
  if (blueGreen !== undefined) {
    return blueGreen.scaleDownDelaySeconds === undefined
      ? { seconds: DEFAULT_SCALE_DOWN_DELAY_SECONDS, explicit: false }
      : { seconds: blueGreen.scaleDownDelaySeconds, explicit: true };
  }
  if (canary?.scaleDownDelaySeconds !== undefined)
    return { seconds: canary.scaleDownDelaySeconds, explicit: true };
  if (canary !== undefined && hasTrafficRouting(canary)) {
    return { seconds: DEFAULT_SCALE_DOWN_DELAY_SECONDS, explicit: false };
  }
  return { seconds: 0, explicit: false };
}

/** Like scaleDownDelaySecondsOrDefault, for abortScaleDownDelaySeconds; 0 means "keep". */
export function abortScaleDownDelaySecondsOrDefault(spec: RolloutSpec): DelaySetting {
  const { canary, blueGreen } = spec.strategy;
  if (blueGreen !== undefined) {
    return blueGreen.abortScaleDownDelaySeconds === undefined
      ? { seconds: DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS, explicit: false }
      : { seconds: blueGreen.abortScaleDownDelaySeconds, explicit: true };
  }
  if (canary?.abortScaleDownDelaySeconds !== undefined) {
    return { seconds: canary.abortScaleDownDelaySeconds, explicit: true };
  }
  if (canary !== undefined && hasTrafficRouting(canary)) {
    return { seconds: DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS, explicit: false };
  }
  return { seconds: 0, explicit: false };
}

export const autoPromotionEnabledOrDefault = (bg: BlueGreenStrategy): boolean =>
  bg.autoPromotionEnabled ?? true;

/** previewReplicaCount, else R (§1.5). */
export const previewReplicaCountOrDefault = (spec: RolloutSpec, bg: BlueGreenStrategy): number =>
  bg.previewReplicaCount ?? replicasOrDefault(spec);

/**
 * An int-or-string replica count resolved against `total` (§1.2): integers are absolute,
 * every string is a percent of `total` with the `%` optional. A string that is not a
 * number counts as 0 (validation reports it).
 */
export function resolveIntOrPercent(
  value: number | string,
  total: number,
  roundUp: boolean,
): number {
  if (typeof value === "number") return value;
  const text = value.endsWith("%") ? value.slice(0, -1) : value;
  if (!/^[-+]?\d+$/.test(text.trim())) return 0;
  const exact = (Number.parseInt(text, 10) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface SurgeAndUnavailable {
  maxSurge: number;
  maxUnavailable: number;
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) for R replicas (§1.2): both 0 ⇒
 * unavailable 1; unavailable capped at R; 0 when R = 0.
 */
export function resolveSurgeAndUnavailable(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  replicas: number,
): SurgeAndUnavailable {
  const surge = resolveIntOrPercent(maxSurge ?? DEFAULT_MAX_SURGE, replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  if (unavailable > replicas) unavailable = replicas;
  if (replicas === 0) unavailable = 0;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

// ---- analysis and experiments ----

/** IntOrString counters of a Metric: integers as given, numeric strings parsed, else 0. */
export function intOrStringValue(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number") return value;
  return /^[-+]?\d+$/.test(value.trim()) ? Number.parseInt(value, 10) : 0;
}

export const consecutiveErrorLimitOrDefault = (m: Metric): number =>
  intOrStringValue(m.consecutiveErrorLimit, DEFAULT_CONSECUTIVE_ERROR_LIMIT);
export const failureLimitOrDefault = (m: Metric): number => intOrStringValue(m.failureLimit, 0);
export const inconclusiveLimitOrDefault = (m: Metric): number =>
  intOrStringValue(m.inconclusiveLimit, 0);
export const consecutiveSuccessLimitOrDefault = (m: Metric): number =>
  intOrStringValue(m.consecutiveSuccessLimit, 0);

export const experimentTemplateReplicasOrDefault = (t: ExperimentTemplate): number =>
  t.replicas ?? DEFAULT_EXPERIMENT_TEMPLATE_REPLICAS;
export const experimentProgressDeadlineOrDefault = (s: ExperimentSpec): number =>
  s.progressDeadlineSeconds ?? DEFAULT_EXPERIMENT_PROGRESS_DEADLINE_SECONDS;
export const experimentScaleDownDelayOrDefault = (s: ExperimentSpec): number =>
  s.scaleDownDelaySeconds ?? DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS;

/**
 * A copy of the Rollout with the unconditional defaults written in (for display and `lint`
 * output). Defaults that depend on whether a field was set (delays with traffic routing,
 * absent replicas) are left to the accessors above.
 */
export function withRolloutDefaults(rollout: Rollout): Rollout {
  const copy = structuredClone(rollout);
  const spec = copy.spec;
  spec.minReadySeconds ??= 0;
  spec.revisionHistoryLimit ??= DEFAULT_REVISION_HISTORY_LIMIT;
  spec.progressDeadlineSeconds ??= DEFAULT_PROGRESS_DEADLINE_SECONDS;
  spec.analysis = {
    successfulRunHistoryLimit: successfulRunHistoryLimitOrDefault(spec),
    unsuccessfulRunHistoryLimit: unsuccessfulRunHistoryLimitOrDefault(spec),
  };
  const { canary, blueGreen } = spec.strategy;
  if (canary !== undefined) {
    canary.maxSurge ??= DEFAULT_MAX_SURGE;
    canary.maxUnavailable ??= DEFAULT_MAX_UNAVAILABLE;
    if (canary.trafficRouting !== undefined)
      canary.trafficRouting.maxTrafficWeight ??= DEFAULT_MAX_TRAFFIC_WEIGHT;
    const nginx = canary.trafficRouting?.nginx;
    if (nginx !== undefined) nginx.annotationPrefix ??= DEFAULT_NGINX_ANNOTATION_PREFIX;
    const alb = canary.trafficRouting?.alb;
    if (alb !== undefined) alb.annotationPrefix ??= DEFAULT_ALB_ANNOTATION_PREFIX;
  }
  if (blueGreen !== undefined) {
    blueGreen.autoPromotionEnabled ??= true;
    blueGreen.maxUnavailable ??= DEFAULT_MAX_UNAVAILABLE;
    blueGreen.scaleDownDelaySeconds ??= DEFAULT_SCALE_DOWN_DELAY_SECONDS;
    blueGreen.abortScaleDownDelaySeconds ??= DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS;
  }
  return copy;
}
