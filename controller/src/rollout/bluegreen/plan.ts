// One pass of the blue-green strategy. spec/rollout-behavior.md §3.3 (order) and §6.
import {
  abortScaleDownDelaySecondsOrDefault,
  scaleDownDelaySecondsOrDefault,
} from "../../api/defaults.js";
import type { BlueGreenStrategy, RolloutStatus } from "../../api/rollout.js";
import {
  abortForAnalysis,
  abortMessageFor,
  cleanupRuns,
  pauseForInconclusive,
  type RunKind,
  reconcileSlot,
  type SlotOutcome,
} from "../analysis/runs.js";
import { isoSeconds, type PlanBuilder, type RolloutContext } from "../context.js";
import {
  cleanupHistory,
  ensureServiceTarget,
  reconcileRestart,
  serviceHash,
} from "../housekeeping.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  PauseConditionReason,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from "../keys.js";
import type { ReplicaSetLike } from "../observed.js";
import { reconcileAntiAffinity, reconcileEphemeralMetadata } from "../pod-metadata.js";
import { resolveIntOrPercent } from "../replica-math.js";
import {
  availableReplicas,
  revisionOf,
  rsHash,
  specReplicas,
  timestampMillis,
} from "../replicasets.js";
import { isRollbackWithinWindow } from "../revision.js";
import type { FinalizeInputs } from "../status.js";
import { writeReplicaCounts } from "../status.js";

/** spec §1.5: blue-green maxUnavailable (default 25 %) only budgets restarts. */
export function blueGreenMaxUnavailable(strategy: BlueGreenStrategy, replicas: number): number {
  return Math.min(replicas, resolveIntOrPercent(strategy.maxUnavailable ?? "25%", replicas, false));
}

/**
 * Scale-down deadline handling shared by old RSs and aborted previews: annotate now + delay,
 * then scale to 0 once it has passed. Returns true while the RS is being kept.
 */
function scaleDownAfterDelay(
  ctx: RolloutContext,
  b: PlanBuilder,
  rs: ReplicaSetLike,
  delaySeconds: number,
): void {
  if (specReplicas(rs) === 0) return;
  const deadlineText = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
  if (deadlineText === undefined) {
    if (delaySeconds <= 0) {
      b.scaleToZero(rs);
      return;
    }
    const deadline = new Date(ctx.now.getTime() + delaySeconds * 1000);
    b.annotate(rs, { [SCALE_DOWN_DEADLINE_ANNOTATION]: isoSeconds(deadline) });
    b.requeue(delaySeconds);
    return;
  }
  const deadline = timestampMillis(deadlineText);
  if (deadline === undefined || deadline <= ctx.now.getTime()) {
    b.scaleToZero(rs);
  } else {
    b.requeue((deadline - ctx.now.getTime()) / 1000);
  }
}

export function planBlueGreenPass(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
): FinalizeInputs {
  const strategy = ctx.rollout.spec.strategy.blueGreen;
  const newRS = ctx.newRS;
  if (strategy === undefined || newRS === undefined) {
    throw new Error(
      `planBlueGreenPass needs a blue-green Rollout with a new ReplicaSet (${ctx.namespace}/${ctx.name})`,
    );
  }
  const R = ctx.replicas;
  const previous = ctx.previous;
  const currentIsStable = status.stableRS === ctx.newHash;
  const stableRS = ctx.stableRS;
  const activeHashBefore = serviceHash(ctx, strategy.activeService);
  const activeRSBefore = ctx.allRSs.find(
    (rs) => activeHashBefore !== undefined && rsHash(rs) === activeHashBefore,
  );

  // User requests recorded in status (§4.6, §4.7 apply to blue-green too).
  if (currentIsStable) {
    delete status.abort;
    delete status.abortedAt;
    delete status.promoteFull;
  }
  if (status.promoteFull === true) {
    delete status.pauseConditions;
    delete status.abort;
    delete status.abortedAt;
  }
  const aborted = status.abort === true;
  let retried = false;
  if (aborted) {
    if (status.abortedAt === undefined) status.abortedAt = ctx.nowIso;
    delete status.pauseConditions;
  } else if (status.abortedAt !== undefined) {
    retried = true;
    delete status.abortedAt;
  }
  const promoteFull = status.promoteFull === true;
  const manuallyPaused = ctx.rollout.spec.paused === true;
  const inconclusive = (status.pauseConditions ?? []).some(
    (c) => c.reason === PauseConditionReason.InconclusiveAnalysisRun,
  );
  const halted = manuallyPaused || inconclusive;
  const fastTracked =
    currentIsStable ||
    promoteFull ||
    isRollbackWithinWindow(ctx) ||
    activeHashBefore === undefined ||
    activeHashBefore === ctx.newHash;
  let featureHalt: string | undefined;
  const checkpointBefore = previous.blueGreen?.scaleUpPreviewCheckPoint === true;

  // §3.3: preview Service first (no availability check), restart (no stop).
  let previewHash = serviceHash(ctx, strategy.previewService);
  previewHash = ensureServiceTarget(ctx, b, strategy.previewService, newRS, false) ?? previewHash;
  reconcileRestart(ctx, b, status, blueGreenMaxUnavailable(strategy, R));

  // §6: RS sizes. Stable (the active side) stays at R; the new RS at R or previewReplicaCount.
  const activeIsNew = activeRSBefore === newRS;
  let desiredNew = R;
  if (
    activeRSBefore !== undefined &&
    !activeIsNew &&
    !promoteFull &&
    strategy.previewReplicaCount !== undefined
  ) {
    desiredNew = checkpointBefore && !manuallyPaused ? R : strategy.previewReplicaCount;
  }
  if (stableRS !== undefined && stableRS !== newRS) b.scale(stableRS, R);
  if (aborted && stableRS !== undefined && stableRS !== newRS) {
    // §6 abort: the preview is kept until the stable side is whole again, then delayed to 0.
    const delay = abortScaleDownDelaySecondsOrDefault(ctx.rollout.spec).seconds;
    if (delay > 0 && availableReplicas(stableRS) >= R) scaleDownAfterDelay(ctx, b, newRS, delay);
  } else {
    if (newRS.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined) {
      b.annotate(newRS, { [SCALE_DOWN_DEADLINE_ANNOTATION]: null });
    }
    b.scale(newRS, desiredNew);
  }

  // Old RSs no Service or status field refers to: delayed scale-down, newest first (§6).
  const referenced = new Set<ReplicaSetLike>([newRS]);
  if (stableRS !== undefined) referenced.add(stableRS);
  if (activeRSBefore !== undefined) referenced.add(activeRSBefore);
  for (const rs of ctx.allRSs)
    if (previewHash !== undefined && rsHash(rs) === previewHash) referenced.add(rs);
  if (!inconclusive) {
    const delay = scaleDownDelaySecondsOrDefault(ctx.rollout.spec).seconds;
    const limit = strategy.scaleDownDelayRevisionLimit;
    const old = ctx.otherRSs
      .filter((rs) => !referenced.has(rs) && specReplicas(rs) > 0)
      .sort((a, c) => revisionOf(c) - revisionOf(a));
    old.forEach((rs, position) => {
      if (limit !== undefined && position >= limit) b.scaleToZero(rs);
      else scaleDownAfterDelay(ctx, b, rs, delay);
    });
  }
  cleanupHistory(ctx, b, referenced);

  // §6 pause: once the preview is ready, unless fast-tracked or auto-promoted at once.
  const autoPromotionEnabled = strategy.autoPromotionEnabled ?? true;
  const autoPromotionSeconds = strategy.autoPromotionSeconds ?? 0;
  const needsPause = !autoPromotionEnabled || autoPromotionSeconds > 0;
  const readyForPause =
    specReplicas(newRS) === desiredNew && availableReplicas(newRS) === desiredNew && desiredNew > 0;
  const previousPause = (previous.pauseConditions ?? []).find(
    (c) => c.reason === PauseConditionReason.BlueGreenPause,
  );
  // Pre-promotion analysis (spec/analysis-and-providers.md §3.1): starts once the preview is
  // ready; the pause and the switch wait for it to succeed.
  if (retried && status.blueGreen !== undefined) {
    status.blueGreen = { ...status.blueGreen };
    delete status.blueGreen.prePromotionAnalysisRunStatus;
    delete status.blueGreen.postPromotionAnalysisRunStatus;
  }
  const analysisActive = !aborted && !promoteFull && !currentIsStable;
  const preRef = status.blueGreen?.prePromotionAnalysisRunStatus;
  const preNeeded =
    analysisActive &&
    strategy.prePromotionAnalysis !== undefined &&
    activeHashBefore !== undefined &&
    activeHashBefore !== ctx.newHash &&
    !isRollbackWithinWindow(ctx);
  const noPauses = (status.pauseConditions ?? []).length === 0 && !manuallyPaused;
  const pre = reconcileSlot(ctx, b, {
    kind: "PrePromotion",
    analysis:
      preNeeded && (readyForPause || preRef !== undefined)
        ? strategy.prePromotionAnalysis
        : undefined,
    previousRef: preRef,
    mayCreate: noPauses && readyForPause,
    inconclusivePaused: inconclusive,
  });
  const preSuccessful = !preNeeded || pre.phase === "Successful";
  if (preNeeded) {
    status.blueGreen = { ...status.blueGreen };
    if (pre.ref === undefined) delete status.blueGreen.prePromotionAnalysisRunStatus;
    else status.blueGreen.prePromotionAnalysisRunStatus = pre.ref;
    if (pre.error !== undefined) featureHalt = pre.error;
    const early = analysisVerdict(ctx, status, "PrePromotion", pre, inconclusive);
    if (early !== undefined) return earlyResult(ctx, status, activeRSBefore, early, retried);
  }

  let pauseComplete =
    fastTracked ||
    !needsPause ||
    checkpointBefore ||
    (previous.controllerPause === true && previousPause === undefined);
  if (
    !halted &&
    !aborted &&
    featureHalt === undefined &&
    needsPause &&
    !fastTracked &&
    !checkpointBefore &&
    readyForPause &&
    preSuccessful
  ) {
    const condition = (status.pauseConditions ?? []).find(
      (c) => c.reason === PauseConditionReason.BlueGreenPause,
    );
    if (condition !== undefined) {
      if (autoPromotionEnabled && autoPromotionSeconds > 0) {
        const expires =
          (timestampMillis(condition.startTime) ?? ctx.now.getTime()) + autoPromotionSeconds * 1000;
        if (expires <= ctx.now.getTime()) {
          status.pauseConditions = (status.pauseConditions ?? []).filter(
            (c) => c.reason !== PauseConditionReason.BlueGreenPause,
          );
          pauseComplete = true;
        } else {
          b.requeue((expires - ctx.now.getTime()) / 1000);
        }
      }
    } else if (previous.controllerPause !== true) {
      status.pauseConditions = [
        ...(status.pauseConditions ?? []),
        { reason: PauseConditionReason.BlueGreenPause, startTime: ctx.nowIso },
      ];
      status.controllerPause = true;
      if (autoPromotionEnabled && autoPromotionSeconds > 0) b.requeue(autoPromotionSeconds);
      pauseComplete = false;
    }
  }

  // scaleUpPreviewCheckPoint latches once the paused preview is complete and available (§6).
  status.blueGreen = { ...status.blueGreen };
  if (
    strategy.previewReplicaCount !== undefined &&
    !aborted &&
    !fastTracked &&
    featureHalt === undefined &&
    (checkpointBefore ||
      (pauseComplete && availableReplicas(newRS) === strategy.previewReplicaCount))
  ) {
    status.blueGreen.scaleUpPreviewCheckPoint = true;
  } else {
    delete status.blueGreen.scaleUpPreviewCheckPoint;
  }

  // §6 active switch: saturated new RS and a complete pause; abort points it back at stable.
  // Saturation is judged on the size this pass leaves the new RS at (desiredNew), not only on
  // the size read at pass start: the original checks its in-memory RS after scaling it. Without
  // this, a pass that scales a full preview back to previewReplicaCount (e.g. retry after an
  // abort reset scaleUpPreviewCheckPoint) would also switch the active Service onto it, leaving
  // the active side with fewer than R pods.
  const saturated =
    desiredNew === R &&
    specReplicas(newRS) === R &&
    newRS.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(R) &&
    availableReplicas(newRS) === R;
  let activeHash = activeHashBefore;
  if (aborted) {
    activeHash =
      ensureServiceTarget(ctx, b, strategy.activeService, stableRS ?? newRS, false) ?? activeHash;
  } else if (
    !halted &&
    featureHalt === undefined &&
    saturated &&
    pauseComplete &&
    (fastTracked || preSuccessful)
  ) {
    activeHash = ensureServiceTarget(ctx, b, strategy.activeService, newRS, false) ?? activeHash;
  }
  const activeRS = ctx.allRSs.find((rs) => activeHash !== undefined && rsHash(rs) === activeHash);
  status.blueGreen.activeSelector = activeHash;
  status.blueGreen.previewSelector = previewHash;
  if (status.blueGreen.activeSelector === undefined) delete status.blueGreen.activeSelector;
  if (status.blueGreen.previewSelector === undefined) delete status.blueGreen.previewSelector;

  // §7.9 metadata and §7.8 anti-affinity follow the active side.
  reconcileEphemeralMetadata(ctx, b, currentIsStable, stableRS === newRS ? undefined : stableRS);
  if (!currentIsStable) reconcileAntiAffinity(ctx, b, status.stableRS);

  // Post-promotion analysis (§3.1): after the switch, the new RS becomes stable only once it
  // succeeds; a failure aborts and the active Service returns to the still-full stable RS.
  const postNeeded =
    analysisActive &&
    strategy.postPromotionAnalysis !== undefined &&
    activeHash === ctx.newHash &&
    !isRollbackWithinWindow(ctx) &&
    stableRS !== undefined &&
    stableRS !== newRS;
  let postSuccessful = true;
  if (postNeeded) {
    const postRef = status.blueGreen.postPromotionAnalysisRunStatus;
    const post = reconcileSlot(ctx, b, {
      kind: "PostPromotion",
      analysis: strategy.postPromotionAnalysis,
      previousRef: postRef,
      mayCreate: noPauses && saturated,
      inconclusivePaused: inconclusive,
    });
    if (post.ref === undefined) delete status.blueGreen.postPromotionAnalysisRunStatus;
    else status.blueGreen.postPromotionAnalysisRunStatus = post.ref;
    if (post.error !== undefined) featureHalt = post.error;
    const early = analysisVerdict(ctx, status, "PostPromotion", post, inconclusive);
    if (early !== undefined) return earlyResult(ctx, status, activeRS, early, retried);
    postSuccessful = post.phase === "Successful";
  }
  cleanupRuns(
    ctx,
    b,
    new Set(
      aborted
        ? []
        : [
            status.blueGreen.prePromotionAnalysisRunStatus?.name,
            status.blueGreen.postPromotionAnalysisRunStatus?.name,
          ].filter((n): n is string => n !== undefined),
    ),
  );

  // §6 promotion: the active Service selects the new RS.
  if (
    !aborted &&
    activeHash === ctx.newHash &&
    !currentIsStable &&
    (promoteFull || !postNeeded || postSuccessful)
  ) {
    status.stableRS = ctx.newHash;
    delete status.pauseConditions;
    delete status.promoteFull;
    delete status.blueGreen.scaleUpPreviewCheckPoint;
  }

  if ((status.pauseConditions?.length ?? 0) === 0) {
    delete status.pauseConditions;
    delete status.controllerPause;
  }
  writeReplicaCounts(ctx, status, "blueGreen", activeRS);
  const otherAwaitingDeadline = ctx.otherRSs.some(
    (rs) =>
      rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined &&
      specReplicas(rs) > 0,
  );
  return {
    strategy: "blueGreen",
    stepsDone: true,
    servicesOnCurrent:
      activeHash === ctx.newHash &&
      (strategy.previewService === undefined ||
        strategy.previewService === "" ||
        previewHash === ctx.newHash),
    trafficRouting: false,
    featureHalt,
    aborted,
    abortMessage: undefined,
    newRevision: undefined,
    retried,
    deadlineSuspended:
      aborted ||
      manuallyPaused ||
      (status.pauseConditions?.length ?? 0) > 0 ||
      otherAwaitingDeadline ||
      featureHalt !== undefined,
  };
}

/** A failed run aborts; a newly inconclusive one pauses. Undefined: the pass goes on. */
function analysisVerdict(
  ctx: RolloutContext,
  status: RolloutStatus,
  kind: RunKind,
  slot: SlotOutcome,
  inconclusivePaused: boolean,
): { abortMessage?: string } | undefined {
  if (slot.ref !== undefined && (slot.phase === "Failed" || slot.phase === "Error")) {
    abortForAnalysis(ctx, status);
    delete status.controllerPause;
    return { abortMessage: abortMessageFor(kind, slot.ref) };
  }
  if (slot.newlyInconclusive && !inconclusivePaused) {
    pauseForInconclusive(ctx, status);
    return {};
  }
  return undefined;
}

/** The status of a pass that an analysis verdict ended early (spec §3.2: "go to status"). */
function earlyResult(
  ctx: RolloutContext,
  status: RolloutStatus,
  activeRS: ReplicaSetLike | undefined,
  verdict: { abortMessage?: string },
  retried: boolean,
): FinalizeInputs {
  writeReplicaCounts(ctx, status, "blueGreen", activeRS);
  return {
    strategy: "blueGreen",
    stepsDone: true,
    servicesOnCurrent: false,
    trafficRouting: false,
    featureHalt: undefined,
    aborted: status.abort === true,
    abortMessage: verdict.abortMessage,
    newRevision: undefined,
    retried,
    deadlineSuspended: true,
  };
}
