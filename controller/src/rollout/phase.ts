// Phase and the "complete" rule. spec/rollout-behavior.md §2.2 (Healthy) and §2.3.
import type { RolloutPhase, RolloutStatus } from "../api/rollout.js";
import { getCondition } from "./conditions.js";
import type { RolloutContext } from "./context.js";
import { ConditionType, Phase, Reason } from "./keys.js";

export interface HealthInputs {
  strategy: "canary" | "blueGreen";
  /** Canary: index ≥ len(steps) (or no steps). */
  stepsDone: boolean;
  /** Blue-green: the active (and, if any, preview) Service select the current hash. */
  servicesOnCurrent: boolean;
  trafficRouting: boolean;
}

/** The Healthy condition's rule without the pause check (also "complete" for Progressing). */
export function isComplete(
  ctx: RolloutContext,
  status: RolloutStatus,
  inputs: HealthInputs,
): boolean {
  const R = ctx.replicas;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const onCurrent = status.stableRS === status.currentPodHash;
  if (updated !== R || available !== R || !onCurrent) return false;
  if (inputs.strategy === "canary") return inputs.stepsDone && (status.replicas ?? 0) === R;
  return inputs.servicesOnCurrent;
}

export interface PhaseInputs extends HealthInputs {
  /** A feature a later issue brings is needed: the rollout waits with this message. */
  featureHalt: string | undefined;
  /** Replaces the bare pause reason as phase message (a step that needs a missing feature). */
  pauseMessage?: string | undefined;
  /**
   * Replaces the message of a Progressing phase: why the update waits on something the
   * replica counts do not show (traffic routers not verified or failing).
   */
  progressMessage?: string | undefined;
}

/** spec §2.3, first match; a Progressing message may be replaced by inputs.progressMessage. */
export function computePhase(
  ctx: RolloutContext,
  status: RolloutStatus,
  inputs: PhaseInputs,
): { phase: RolloutPhase; message: string } {
  const result = firstMatchPhase(ctx, status, inputs);
  if (result.phase === Phase.Progressing && inputs.progressMessage !== undefined) {
    return { phase: result.phase, message: inputs.progressMessage };
  }
  return result;
}

function firstMatchPhase(
  ctx: RolloutContext,
  status: RolloutStatus,
  inputs: PhaseInputs,
): { phase: RolloutPhase; message: string } {
  const invalid = getCondition(status, ConditionType.InvalidSpec);
  if (invalid !== undefined && invalid.status === "True") {
    return { phase: Phase.Degraded, message: `${Reason.InvalidSpec}: ${invalid.message}` };
  }
  const progressing = getCondition(status, ConditionType.Progressing);
  if (
    progressing !== undefined &&
    (progressing.reason === Reason.RolloutAborted ||
      progressing.reason === Reason.ProgressDeadlineExceeded)
  ) {
    return { phase: Phase.Degraded, message: `${progressing.reason}: ${progressing.message}` };
  }
  if (ctx.rollout.spec.paused === true) return { phase: Phase.Paused, message: "manually paused" };
  if (inputs.featureHalt !== undefined) return { phase: Phase.Paused, message: inputs.featureHalt };
  const firstPause = status.pauseConditions?.[0];
  if (firstPause !== undefined)
    return { phase: Phase.Paused, message: inputs.pauseMessage ?? firstPause.reason };
  const restartAt = ctx.rollout.spec.restartAt;
  if (restartAt !== undefined && restartAt !== status.restartedAt) {
    return { phase: Phase.Progressing, message: "rollout is restarting" };
  }
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < ctx.replicas)
    return { phase: Phase.Progressing, message: "more replicas need to be updated" };
  if (available < updated) {
    return { phase: Phase.Progressing, message: "updated replicas are still becoming available" };
  }
  const current = status.currentPodHash;
  if (inputs.strategy === "blueGreen") {
    if (status.blueGreen?.activeSelector !== current) {
      return { phase: Phase.Progressing, message: "active service cutover pending" };
    }
    if (status.stableRS !== current) {
      return {
        phase: Phase.Progressing,
        message: "waiting for post-promotion verification to complete",
      };
    }
  } else {
    if (!inputs.trafficRouting && (status.replicas ?? 0) > updated) {
      return { phase: Phase.Progressing, message: "old replicas are pending termination" };
    }
    if (status.stableRS !== current) {
      return { phase: Phase.Progressing, message: "waiting for all steps to complete" };
    }
  }
  return { phase: Phase.Healthy, message: "" };
}
