// Step and background analysis of a canary (spec/analysis-and-providers.md §3.1,
// spec/rollout-behavior.md §3.2 step 3, §4.4). A failed or errored run aborts the update; an
// inconclusive one pauses it with the InconclusiveAnalysisRun condition until the user
// promotes or aborts; a step's run must succeed for the step to complete. Background
// analysis runs beside the steps from `startingStep` until the update is fully promoted.
import type { RolloutStatus } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import {
  abortMessageFor,
  cleanupRuns,
  pauseForInconclusive,
  reconcileSlot,
  type SlotOutcome,
} from "../analysis/runs.js";
import type { PlanBuilder, RolloutContext } from "../context.js";
import { PauseConditionReason } from "../keys.js";

export interface CanaryAnalysisInput {
  index: number;
  currentStep: CanaryStep | undefined;
  /** An update is in progress: stable exists, not aborted, not fully promoted. */
  active: boolean;
  manuallyPaused: boolean;
}

export interface CanaryAnalysisOutcome {
  /** A run failed: abort with this message. */
  abortMessage?: string;
  /** A run became inconclusive: the pause was added in this pass. */
  pausedNow: boolean;
  /** Phase of the current step's run, when the current step is an analysis step. */
  stepPhase: string | undefined;
  /** A run cannot be created (missing template, bad argument): the rollout waits with this. */
  error?: string;
}

export function reconcileCanaryAnalysis(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
  input: CanaryAnalysisInput,
): CanaryAnalysisOutcome {
  const canary = ctx.rollout.spec.strategy.canary ?? {};
  const pauses = status.pauseConditions ?? [];
  const inconclusivePaused = pauses.some(
    (c) => c.reason === PauseConditionReason.InconclusiveAnalysisRun,
  );
  const mayCreate = pauses.length === 0 && !input.manuallyPaused;
  const background = canary.analysis;
  const step = reconcileSlot(ctx, b, {
    kind: "Step",
    analysis: input.active ? input.currentStep?.analysis : undefined,
    stepIndex: input.index,
    previousRef: status.canary?.currentStepAnalysisRunStatus,
    mayCreate,
    inconclusivePaused,
  });
  const backgroundOutcome = reconcileSlot(ctx, b, {
    kind: "Background",
    analysis:
      input.active && background !== undefined && input.index >= (background.startingStep ?? 0)
        ? background
        : undefined,
    previousRef: status.canary?.currentBackgroundAnalysisRunStatus,
    mayCreate,
    inconclusivePaused,
  });

  // An aborted rollout keeps showing the runs that stopped it; otherwise the fields follow
  // the runs needed now.
  if (
    (input.active || status.abort !== true) &&
    (status.canary !== undefined || step.ref !== undefined || backgroundOutcome.ref !== undefined)
  ) {
    const canaryStatus = { ...status.canary };
    writeRef(canaryStatus, "currentStepAnalysisRunStatus", step);
    writeRef(canaryStatus, "currentBackgroundAnalysisRunStatus", backgroundOutcome);
    status.canary = canaryStatus;
  }
  const current = new Set(
    [step.ref?.name, backgroundOutcome.ref?.name].filter((n): n is string => n !== undefined),
  );
  cleanupRuns(ctx, b, input.active ? current : new Set());

  const outcome: CanaryAnalysisOutcome = {
    pausedNow: false,
    stepPhase: input.currentStep?.analysis !== undefined ? step.phase : undefined,
  };
  if (!input.active) return outcome;
  for (const [kind, slot] of [
    ["Step", step],
    ["Background", backgroundOutcome],
  ] as const) {
    if (slot.ref !== undefined && (slot.phase === "Failed" || slot.phase === "Error")) {
      outcome.abortMessage = abortMessageFor(kind, slot.ref);
      return outcome;
    }
  }
  if (step.newlyInconclusive || backgroundOutcome.newlyInconclusive) {
    if (!inconclusivePaused) pauseForInconclusive(ctx, status);
    outcome.pausedNow = true;
  }
  const error = step.error ?? backgroundOutcome.error;
  if (error !== undefined) outcome.error = error;
  return outcome;
}

function writeRef(
  target: NonNullable<RolloutStatus["canary"]>,
  field: "currentStepAnalysisRunStatus" | "currentBackgroundAnalysisRunStatus",
  slot: SlotOutcome,
): void {
  if (slot.ref === undefined) delete target[field];
  else target[field] = slot.ref;
}
