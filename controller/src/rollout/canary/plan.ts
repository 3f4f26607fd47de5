// One pass of the canary strategy, basic or with traffic routing.
// spec/rollout-behavior.md §3.2 (order), §4 (basic algorithm), §5 (traffic routing), §5.5 (Services).

import { maxTrafficWeightOrDefault } from "../../api/defaults.js";
import type { RolloutStatus } from "../../api/rollout.js";
import { abortForAnalysis } from "../analysis/runs.js";
import type { PlanBuilder, RolloutContext } from "../context.js";
import { cleanupHistory, ensureServiceTarget, reconcileRestart } from "../housekeeping.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  EventReason,
  PauseConditionReason,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from "../keys.js";
import { reconcileAntiAffinity, reconcileEphemeralMetadata } from "../pod-metadata.js";
import { resolveFenceposts } from "../replica-math.js";
import { specReplicas, timestampMillis } from "../replicasets.js";
import { isRollbackWithinWindow } from "../revision.js";
import type { FinalizeInputs } from "../status.js";
import { writeReplicaCounts } from "../status.js";
import { reconcileCanaryAnalysis } from "./analysis.js";
import {
  atDesiredWeight,
  BASIC_MAX_WEIGHT,
  type CanaryPass,
  newReplicaSetReadyForPromotion,
  scaleBasicCanary,
} from "./basic.js";
import {
  describeStep,
  missingFeatureOf,
  pauseDurationSeconds,
  stepKind,
  stepWeight,
} from "./steps.js";
import { applyTraffic, decideWeight, type TrafficOutcome, type WeightDecision } from "./traffic.js";
import { reconcileTrafficServices, scaleWithTraffic, trafficStepDone } from "./traffic-pass.js";
import { atDesiredWithTraffic, type TrafficPass } from "./traffic-replicas.js";

export { BASIC_MAX_WEIGHT };

/** spec §3.1 step 6: R changed (HPA, user) since the new or stable RS was last scaled. */
export function isScalingEvent(ctx: RolloutContext): boolean {
  const wanted = String(ctx.replicas);
  return [ctx.newRS, ctx.stableRS].some(
    (rs) =>
      rs !== undefined &&
      specReplicas(rs) > 0 &&
      rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== wanted,
  );
}

/** Runs the canary pass after the revision is current; returns the inputs for the status. */
export function planCanaryPass(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
): FinalizeInputs {
  const canary = ctx.rollout.spec.strategy.canary ?? {};
  const newRS = ctx.newRS;
  if (newRS === undefined)
    throw new Error(
      `planCanaryPass called without a new ReplicaSet for ${ctx.namespace}/${ctx.name}`,
    );
  const steps = canary.steps ?? [];
  const stepCount = steps.length;
  const R = ctx.replicas;
  const stableRS = ctx.stableRS !== undefined && ctx.stableRS !== newRS ? ctx.stableRS : undefined;
  const pass: CanaryPass = {
    ctx,
    b,
    status,
    canary,
    newRS,
    stableRS,
    fence: resolveFenceposts(R, canary.maxSurge, canary.maxUnavailable),
  };
  const previous = ctx.previous;
  const currentIsStable = status.stableRS === ctx.newHash;

  // User requests recorded in status (§4.6, §4.7).
  if (currentIsStable) {
    delete status.abort;
    delete status.abortedAt;
    delete status.promoteFull;
  }
  if (status.promoteFull === true) {
    delete status.pauseConditions;
    delete status.abort;
    delete status.abortedAt;
    if (stepCount > 0) status.currentStepIndex = stepCount;
  }
  const aborted = status.abort === true;
  let retried = false;
  if (aborted) {
    if (status.abortedAt === undefined) status.abortedAt = ctx.nowIso;
    delete status.pauseConditions;
    if (stepCount > 0) status.currentStepIndex = currentIsStable ? stepCount : 0;
  } else if (status.abortedAt !== undefined) {
    retried = true;
    delete status.abortedAt;
    if (stepCount > 0) status.currentStepIndex = 0;
  }
  const index = status.currentStepIndex ?? 0;
  const currentStep = index < stepCount ? steps[index] : undefined;

  const finish = (extra: Partial<FinalizeInputs> = {}): FinalizeInputs => {
    if ((status.pauseConditions?.length ?? 0) === 0) {
      delete status.pauseConditions;
      delete status.controllerPause;
    }
    writeReplicaCounts(ctx, status, "canary");
    const finalIndex = status.currentStepIndex ?? 0;
    const finalStep = finalIndex < stepCount ? steps[finalIndex] : undefined;
    const finalKind = finalStep === undefined ? undefined : stepKind(finalStep);
    const otherAwaitingDeadline = ctx.otherRSs.some(
      (rs) =>
        rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined &&
        specReplicas(rs) > 0,
    );
    return {
      strategy: "canary",
      stepsDone: stepCount === 0 || finalIndex >= stepCount,
      servicesOnCurrent: true,
      trafficRouting: canary.trafficRouting !== undefined,
      featureHalt: undefined,
      aborted: status.abort === true,
      abortMessage: undefined,
      newRevision: undefined,
      retried,
      deadlineSuspended:
        status.abort === true ||
        ctx.rollout.spec.paused === true ||
        (status.pauseConditions?.length ?? 0) > 0 ||
        finalKind === "pause" ||
        finalKind === "analysis" ||
        finalKind === "experiment" ||
        otherAwaitingDeadline,
      ...extra,
    };
  };

  // §3.2 step 2: restart; a pass that evicts does nothing else.
  if (reconcileRestart(ctx, b, status, pass.fence.maxUnavailable)) return finish();

  // §3.2 step 3: metadata, history, Services.
  reconcileEphemeralMetadata(ctx, b, currentIsStable, stableRS);
  if (!currentIsStable) reconcileAntiAffinity(ctx, b, status.stableRS);
  cleanupHistory(ctx, b, new Set([newRS, ...(ctx.stableRS === undefined ? [] : [ctx.stableRS])]));
  // §5.2: with traffic routing, the weight of this pass is decided on the RSs at pass start.
  let trafficPass: TrafficPass | undefined;
  let decision: WeightDecision | undefined;
  if (canary.trafficRouting !== undefined) {
    trafficPass = {
      ctx,
      canary,
      steps,
      index,
      newRS,
      stableRS,
      currentIsStable,
      aborted,
      promoteFull: status.promoteFull === true,
      maxWeight: maxTrafficWeightOrDefault(ctx.rollout),
    };
    decision = decideWeight(trafficPass, atDesiredWithTraffic(trafficPass));
  }
  ensureServiceTarget(ctx, b, canary.stableService, ctx.stableRS ?? newRS, true);
  // §5.2 rule 3: an aborted canary's Service goes back to stable (DSS: once its weight is 0).
  const canaryBackToStable =
    aborted && !(canary.dynamicStableScale === true && (decision?.weight ?? 0) !== 0);
  ensureServiceTarget(
    ctx,
    b,
    canary.canaryService,
    canaryBackToStable ? (ctx.stableRS ?? newRS) : newRS,
    true,
  );
  if (trafficPass !== undefined)
    reconcileTrafficServices(trafficPass, b, status, canaryBackToStable);
  let traffic: TrafficOutcome | undefined;
  if (trafficPass !== undefined && decision !== undefined) {
    traffic = applyTraffic(trafficPass, b, status, decision, currentStep);
  }

  // §3.2 step 3: analysis (spec/analysis-and-providers.md §3): a failed run aborts, an
  // inconclusive one pauses; either ends the pass with the status.
  const manuallyPaused = ctx.rollout.spec.paused === true;
  if (retried && status.canary !== undefined) {
    delete status.canary.currentStepAnalysisRunStatus;
    delete status.canary.currentBackgroundAnalysisRunStatus;
  }
  const analysis = reconcileCanaryAnalysis(ctx, b, status, {
    index,
    currentStep,
    active: !currentIsStable && !aborted && status.promoteFull !== true && stableRS !== undefined,
    manuallyPaused,
  });
  if (analysis.abortMessage !== undefined) {
    abortForAnalysis(ctx, status);
    return finish({ abortMessage: analysis.abortMessage });
  }
  if (analysis.pausedNow) return finish();
  const featureHalt = analysis.error;
  const inconclusive = (status.pauseConditions ?? []).some(
    (c) => c.reason === PauseConditionReason.InconclusiveAnalysisRun,
  );
  const halted = manuallyPaused || inconclusive || featureHalt !== undefined;
  const scalingEvent = isScalingEvent(ctx);

  // §4.1 effective weight.
  const stepsDone = stepCount === 0 || index >= stepCount;
  const weight =
    status.promoteFull === true || stableRS === undefined || currentIsStable
      ? BASIC_MAX_WEIGHT
      : aborted
        ? 0
        : stepsDone
          ? BASIC_MAX_WEIGHT
          : stepWeight(steps, index);

  // §3.2 step 4: at most one scaling change: stable, else new, else the others.
  if (!halted) {
    // A deadline on the new RS of an aborted traffic-routed canary is its own (§5.8).
    const keepNewDeadline = trafficPass !== undefined && aborted;
    for (const rs of [
      ...(keepNewDeadline ? [] : [newRS]),
      ...(stableRS === undefined ? [] : [stableRS]),
    ]) {
      if (rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined) {
        b.annotate(rs, { [SCALE_DOWN_DEADLINE_ANNOTATION]: null });
      }
    }
  }
  if (!halted && trafficPass !== undefined && decision !== undefined) {
    scaleWithTraffic(trafficPass, b, decision, traffic, pass.fence.maxUnavailable);
  } else if (!halted) {
    scaleBasicCanary(pass, weight);
  }

  // §4.5 pause steps (and steps that need a missing feature), unless this pass scaled.
  let pauseMessage: string | undefined;
  const stepFeature = currentStep === undefined ? undefined : missingFeatureOf(currentStep);
  const pausingStep =
    currentStep !== undefined && (currentStep.pause !== undefined || stepFeature !== undefined);
  if (
    pausingStep &&
    !b.hasScaled &&
    !halted &&
    !aborted &&
    !scalingEvent &&
    !(status.pauseConditions ?? []).some(
      (c) => c.reason === PauseConditionReason.CanaryPauseStep,
    ) &&
    previous.controllerPause !== true
  ) {
    status.pauseConditions = [
      ...(status.pauseConditions ?? []),
      { reason: PauseConditionReason.CanaryPauseStep, startTime: ctx.nowIso },
    ];
    status.controllerPause = true;
    if (stepFeature !== undefined) {
      b.event(
        "Warning",
        EventReason.FeatureNotAvailable,
        `Step ${index + 1}/${stepCount} (${describeStep(currentStep)}) needs ${stepFeature}, which this build of Sluice does not have yet; the rollout is paused until promoted past it`,
      );
    }
  }
  const pauseCondition = (status.pauseConditions ?? []).find(
    (c) => c.reason === PauseConditionReason.CanaryPauseStep,
  );
  if (pauseCondition !== undefined && currentStep !== undefined && stepFeature !== undefined) {
    pauseMessage = `${PauseConditionReason.CanaryPauseStep}: step ${index + 1}/${stepCount} (${describeStep(currentStep)}) needs ${stepFeature}, which this build of Sluice does not have yet; promote to skip it`;
  }
  const pauseSeconds = currentStep === undefined ? undefined : pauseDurationSeconds(currentStep);
  if (pauseCondition !== undefined && pauseSeconds !== undefined) {
    const expires =
      (timestampMillis(pauseCondition.startTime) ?? ctx.now.getTime()) + pauseSeconds * 1000;
    if (expires > ctx.now.getTime()) b.requeue((expires - ctx.now.getTime()) / 1000);
  }

  // §4.6 full promotion, else §4.4 step completion (RSs as read at pass start).
  // With traffic routing the end weight W must be verified before promotion (§5.2).
  const trafficBlocksPromotion =
    traffic !== undefined &&
    traffic.decision.weight === (trafficPass?.maxWeight ?? BASIC_MAX_WEIGHT) &&
    !traffic.verified;
  let progressMessage: string | undefined;
  if (trafficBlocksPromotion && stepsDone) progressMessage = traffic?.waitMessage;
  if (
    !aborted &&
    !scalingEvent &&
    !currentIsStable &&
    !trafficBlocksPromotion &&
    newReplicaSetReadyForPromotion(pass)
  ) {
    let reason: string | undefined;
    if (status.promoteFull === true) reason = "Full promotion requested";
    else if (isRollbackWithinWindow(ctx)) reason = "Rollback within window";
    else if (stepsDone && !halted) reason = `Completed all ${stepCount} canary steps`;
    if (reason !== undefined) {
      status.stableRS = ctx.newHash;
      if (canary.pingPong !== undefined) {
        // §5.6: each promotion flips which ping-pong Service is the stable side.
        status.canary = {
          ...status.canary,
          stablePingPong: status.canary?.stablePingPong === "ping" ? "pong" : "ping",
        };
      }
      delete status.pauseConditions;
      delete status.abort;
      delete status.abortedAt;
      delete status.promoteFull;
      if (stepCount > 0) status.currentStepIndex = stepCount;
      else delete status.currentStepIndex;
      return finish();
    }
  }
  if (
    !aborted &&
    !scalingEvent &&
    !manuallyPaused &&
    featureHalt === undefined &&
    currentStep !== undefined
  ) {
    let completed = false;
    if (currentStep.analysis !== undefined) {
      completed = analysis.stepPhase === "Successful";
    } else if (trafficPass !== undefined && traffic !== undefined && !pausingStep) {
      const done = trafficStepDone(trafficPass, currentStep, traffic);
      completed = done.completed;
      progressMessage ??= done.waitMessage;
    } else if (currentStep.setWeight !== undefined) {
      completed = atDesiredWeight(pass, currentStep.setWeight);
    } else if (pausingStep) {
      const previousCondition = (previous.pauseConditions ?? []).find(
        (c) => c.reason === PauseConditionReason.CanaryPauseStep,
      );
      if (previousCondition === undefined) {
        completed = previous.controllerPause === true;
      } else if (pauseSeconds !== undefined) {
        const started = timestampMillis(previousCondition.startTime) ?? ctx.now.getTime();
        completed = started + pauseSeconds * 1000 <= ctx.now.getTime();
      }
    }
    if (completed) {
      status.currentStepIndex = index + 1;
      status.pauseConditions = (status.pauseConditions ?? []).filter(
        (c) => c.reason !== PauseConditionReason.CanaryPauseStep,
      );
      if (status.canary !== undefined) delete status.canary.currentStepAnalysisRunStatus;
      pauseMessage = undefined;
      progressMessage = undefined;
      b.event(
        "Normal",
        EventReason.RolloutStepCompleted,
        `Rollout step ${index + 1}/${stepCount} completed (${describeStep(currentStep)})`,
      );
    }
  }
  return finish({ featureHalt, pauseMessage, progressMessage });
}
