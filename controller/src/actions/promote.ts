// promote, promote --full, promote --skip-current-step / --skip-all-steps (spec §4.6).
// Like the original's plugin: the status patch goes to the status subresource, and a spec
// patch (unpause) follows only when spec.paused is set.
import type { Rollout } from "../api/rollout.js";
import {
  ActionError,
  type ActionPlan,
  type RolloutPatch,
  specMergePatch,
  statusMergePatch,
} from "./types.js";

export interface PromoteOptions {
  /** promote --full: skip remaining steps, analyses and pauses (status.promoteFull). */
  full?: boolean;
  /** Advance past the current step only. */
  skipCurrentStep?: boolean;
  /** Jump to the end of the steps. */
  skipAllSteps?: boolean;
}

export const MSG_SKIP_BLUE_GREEN = "Skip flags are not supported for BlueGreen Rollouts";
export const MSG_SKIP_NO_STEPS = "Skip flags are not supported for Canary Rollouts without steps";

/** The current step index as the controller sees it: null without steps, 0 when unset. */
function currentStepIndex(rollout: Rollout): number | undefined {
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  if (rollout.spec.strategy.canary === undefined || steps.length === 0) return undefined;
  return rollout.status?.currentStepIndex ?? 0;
}

/** index + 1, but never past len(steps). */
function nextStepIndex(rollout: Rollout): number | undefined {
  const index = currentStepIndex(rollout);
  if (index === undefined) return undefined;
  const len = rollout.spec.strategy.canary?.steps?.length ?? 0;
  return index < len ? index + 1 : index;
}

export function promote(rollout: Rollout, options: PromoteOptions = {}): ActionPlan {
  const chosen = [options.full, options.skipCurrentStep, options.skipAllSteps].filter(
    (v) => v === true,
  ).length;
  if (chosen > 1)
    throw new ActionError(
      "--full, --skip-current-step and --skip-all-steps are mutually exclusive",
    );
  const { canary, blueGreen } = rollout.spec.strategy;
  const status = rollout.status ?? {};

  if (options.skipCurrentStep === true || options.skipAllSteps === true) {
    if (blueGreen !== undefined) throw new ActionError(MSG_SKIP_BLUE_GREEN);
    const steps = canary?.steps ?? [];
    if (canary === undefined || steps.length === 0) throw new ActionError(MSG_SKIP_NO_STEPS);
    const index = options.skipAllSteps === true ? steps.length : (nextStepIndex(rollout) ?? 0);
    return { patches: [statusMergePatch({ currentStepIndex: index })] };
  }

  if (options.full === true) {
    if (status.currentPodHash !== undefined && status.currentPodHash === status.stableRS) {
      return {
        patches: [],
        message: `rollout '${rollout.metadata.name ?? ""}' is already fully promoted`,
      };
    }
    return { patches: [statusMergePatch({ promoteFull: true })] };
  }

  const patches: RolloutPatch[] = [];
  const pauseConditions = status.pauseConditions ?? [];
  const inconclusive =
    canary !== undefined && status.canary?.currentStepAnalysisRunStatus?.status === "Inconclusive";
  const next = nextStepIndex(rollout);
  if (
    inconclusive &&
    pauseConditions.length > 0 &&
    status.controllerPause === true &&
    next !== undefined
  ) {
    // §4.6: an inconclusive step analysis is accepted by moving past its step.
    patches.push(
      statusMergePatch({ pauseConditions: null, controllerPause: false, currentStepIndex: next }),
    );
  } else if (pauseConditions.length > 0) {
    patches.push(statusMergePatch({ pauseConditions: null }));
  } else if (canary !== undefined && next !== undefined) {
    // Mid analysis, experiment or setWeight: skip the step (never both clear and advance).
    patches.push(statusMergePatch({ currentStepIndex: next }));
  }
  if (rollout.spec.paused === true) patches.push(specMergePatch({ paused: false }));
  if (patches.length === 0) {
    return {
      patches,
      message: `rollout '${rollout.metadata.name ?? ""}' is not paused and has no step to promote`,
    };
  }
  return { patches };
}
