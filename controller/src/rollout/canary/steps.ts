// Reading canary steps: the current step, the effective weight, and which steps need features
// this build does not have yet. spec/rollout-behavior.md §1.3, §4.1.
import { durationSeconds } from "../../api/duration.js";
import type { CanaryStep, CanaryStepKind, SetCanaryScale } from "../../api/rollout-steps.js";
import { CANARY_STEP_KINDS } from "../../api/rollout-steps.js";

export function stepKind(step: CanaryStep): CanaryStepKind | undefined {
  return CANARY_STEP_KINDS.find((kind) => step[kind] !== undefined);
}

/** Short text for events: `setWeight: 20`, `pause: 10s`, `pause`, `analysis`. */
export function describeStep(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `setWeight: ${step.setWeight}`;
  if (step.pause !== undefined) {
    const duration = step.pause.duration;
    return duration === undefined
      ? "pause"
      : `pause: ${typeof duration === "number" ? `${duration}s` : duration}`;
  }
  return stepKind(step) ?? "unknown";
}

/** Steps that cannot run yet, with what they are waiting for (issue 4: pause and say so). */
const MISSING_FEATURE: Partial<Record<CanaryStepKind, string>> = {
  experiment: "Experiment support",
  plugin: "step plugin support",
};

export function missingFeatureOf(step: CanaryStep): string | undefined {
  const kind = stepKind(step);
  return kind === undefined ? undefined : MISSING_FEATURE[kind];
}

/** Pause duration in seconds; undefined = indefinite. */
export function pauseDurationSeconds(step: CanaryStep): number | undefined {
  const duration = step.pause?.duration;
  if (duration === undefined) return undefined;
  return durationSeconds(duration) ?? 0;
}

/**
 * spec §4.1: the setWeight of the current step or the nearest earlier one; 0 if none; the
 * caller handles W (promoteFull, no stable, done) and 0 (aborted).
 */
export function stepWeight(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/** spec §5.2 rule 6: the nearest setWeight strictly before `index` (0 if none). */
export function stepWeightBefore(steps: readonly CanaryStep[], index: number): number {
  return index <= 0 ? 0 : stepWeight(steps, index - 1);
}

/**
 * spec §5.1/§5.4: the nearest setCanaryScale at or before `index`, unless that one is
 * `matchTrafficWeight` (which ends the override).
 */
export function activeCanaryScale(
  steps: readonly CanaryStep[],
  index: number,
): SetCanaryScale | undefined {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale !== undefined) return scale.matchTrafficWeight === true ? undefined : scale;
  }
  return undefined;
}
