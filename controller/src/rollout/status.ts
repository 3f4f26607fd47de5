// Status fields, conditions and phase. spec/rollout-behavior.md §2.
import { progressDeadlineSecondsOrDefault } from "../api/defaults.js";
import type { RolloutStatus } from "../api/rollout.js";
import { getCondition, removeCondition, setCondition } from "./conditions.js";
import { isoSeconds, type PlanBuilder, type RolloutContext } from "./context.js";
import { ConditionType, EventReason, Reason } from "./keys.js";
import type { ReplicaSetLike } from "./observed.js";
import { computePhase, isComplete, type PhaseInputs } from "./phase.js";
import {
  availableReplicas,
  readyReplicas,
  revisionOf,
  rsName,
  selectorString,
  statusReplicas,
  timestampMillis,
} from "./replicasets.js";

/** spec §2.1 replica fields. `activeRS` only for blue-green (availability of the active side). */
export function writeReplicaCounts(
  ctx: RolloutContext,
  status: RolloutStatus,
  strategy: "canary" | "blueGreen",
  activeRS?: ReplicaSetLike,
): void {
  const all = ctx.allRSs;
  const sum = (read: (rs: ReplicaSetLike) => number) =>
    all.reduce((total, rs) => total + read(rs), 0);
  status.replicas = sum(statusReplicas);
  status.updatedReplicas = statusReplicas(ctx.newRS);
  if (strategy === "canary" || activeRS === undefined) {
    status.readyReplicas = sum(readyReplicas);
    status.availableReplicas = sum(availableReplicas);
  } else {
    status.readyReplicas = readyReplicas(activeRS);
    status.availableReplicas = availableReplicas(activeRS);
  }
  if (strategy === "blueGreen" && activeRS !== undefined) {
    status.HPAReplicas = statusReplicas(activeRS);
    status.selector = selectorString(activeRS.spec?.selector);
  } else {
    status.HPAReplicas = status.replicas;
    status.selector = selectorString(ctx.selector);
  }
}

export interface FinalizeInputs extends PhaseInputs {
  aborted: boolean;
  abortMessage: string | undefined;
  /** Set when this pass reset the status for a new revision (§4.9). */
  newRevision: { created: boolean } | undefined;
  /** Abort was cleared by the user this pass (retry, §4.7). */
  retried: boolean;
  /** Progress-deadline evaluation is suspended (§7.6: pause/analysis step, deadline waits…). */
  deadlineSuspended: boolean;
}

function progressed(previous: RolloutStatus, next: RolloutStatus): boolean {
  return (
    previous.updatedReplicas !== next.updatedReplicas ||
    (next.replicas ?? 0) < (previous.replicas ?? 0) ||
    (next.readyReplicas ?? 0) > (previous.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (previous.availableReplicas ?? 0) ||
    previous.currentStepIndex !== next.currentStepIndex ||
    previous.currentStepHash !== next.currentStepHash ||
    previous.stableRS !== next.stableRS ||
    previous.blueGreen?.activeSelector !== next.blueGreen?.activeSelector
  );
}

/**
 * Conditions (§2.2), phase (§2.3) and the events of their transitions. `status` already holds
 * this pass's counts, hashes, step index, pauses and abort fields.
 */
export function finalizeStatus(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
  inputs: FinalizeInputs,
): void {
  const { nowIso } = ctx;
  const previous = ctx.previous;
  const newRSName = ctx.newRS === undefined ? `${ctx.name}-${ctx.newHash}` : rsName(ctx.newRS);
  const revision = ctx.newRS === undefined ? 0 : revisionOf(ctx.newRS);
  const complete = isComplete(ctx, status, inputs);
  const paused =
    (status.pauseConditions?.length ?? 0) > 0 ||
    ctx.rollout.spec.paused === true ||
    inputs.featureHalt !== undefined;
  const previousProgressing = getCondition(previous, ConditionType.Progressing);

  // Progressing (§2.2, §7.6).
  if (inputs.aborted) {
    // The reason (a failed analysis) is known only in the pass that aborts; later passes
    // keep the message it wrote instead of dropping the reason.
    const base = `Rollout aborted update to revision ${revision}`;
    const message =
      inputs.abortMessage !== undefined
        ? `${base}: ${inputs.abortMessage}`
        : previousProgressing?.reason === Reason.RolloutAborted &&
            previousProgressing.message?.startsWith(`${base}: `) === true
          ? previousProgressing.message
          : base;
    if (
      setCondition(
        status,
        {
          type: ConditionType.Progressing,
          status: "False",
          reason: Reason.RolloutAborted,
          message,
        },
        nowIso,
      )
    ) {
      b.event("Warning", EventReason.RolloutAborted, message);
    }
  } else if (inputs.retried) {
    setCondition(
      status,
      {
        type: ConditionType.Progressing,
        status: "Unknown",
        reason: Reason.RolloutRetry,
        message: "Retrying Rollout after abort",
      },
      nowIso,
    );
    b.event("Normal", EventReason.RolloutRetry, "Retrying Rollout after abort");
  } else if (inputs.newRevision !== undefined) {
    const reason = inputs.newRevision.created
      ? Reason.NewReplicaSetCreated
      : Reason.FoundNewReplicaSet;
    const message = inputs.newRevision.created
      ? `Created new replica set "${newRSName}"`
      : `Found new replica set "${newRSName}"`;
    setCondition(
      status,
      { type: ConditionType.Progressing, status: "True", reason, message },
      nowIso,
      true,
    );
  } else if (paused) {
    if (previousProgressing?.reason !== Reason.RolloutPaused) {
      setCondition(
        status,
        {
          type: ConditionType.Progressing,
          status: "Unknown",
          reason: Reason.RolloutPaused,
          message: "Rollout is paused",
        },
        nowIso,
      );
      b.event(
        "Normal",
        EventReason.RolloutPaused,
        `Rollout is paused${inputs.featureHalt === undefined ? "" : `: ${inputs.featureHalt}`}`,
      );
    }
  } else if (previousProgressing?.reason === Reason.RolloutPaused) {
    setCondition(
      status,
      {
        type: ConditionType.Progressing,
        status: "Unknown",
        reason: Reason.RolloutResumed,
        message: "Rollout is resumed",
      },
      nowIso,
    );
    b.event("Normal", EventReason.RolloutResumed, "Rollout is resumed");
  } else if (complete) {
    setCondition(
      status,
      {
        type: ConditionType.Progressing,
        status: "True",
        reason: Reason.NewReplicaSetAvailable,
        message: `ReplicaSet "${newRSName}" has successfully progressed.`,
      },
      nowIso,
    );
  } else if (progressed(previous, status)) {
    const reason =
      status.stableRS === status.currentPodHash &&
      previousProgressing?.reason === Reason.NewReplicaSetAvailable
        ? Reason.ReplicaSetNotAvailable
        : Reason.ReplicaSetUpdated;
    setCondition(
      status,
      {
        type: ConditionType.Progressing,
        status: "True",
        reason,
        message: `ReplicaSet "${newRSName}" is progressing.`,
      },
      nowIso,
      true,
    );
  } else if (
    !inputs.deadlineSuspended &&
    previousProgressing !== undefined &&
    previousProgressing.reason !== Reason.NewReplicaSetAvailable
  ) {
    const deadlineSeconds = progressDeadlineSecondsOrDefault(ctx.rollout.spec);
    const since = timestampMillis(previousProgressing.lastUpdateTime) ?? ctx.now.getTime();
    const expiresAt = since + deadlineSeconds * 1000;
    if (previousProgressing.reason !== Reason.ProgressDeadlineExceeded) {
      if (expiresAt < ctx.now.getTime()) {
        const message = `ReplicaSet "${newRSName}" has timed out progressing.`;
        setCondition(
          status,
          {
            type: ConditionType.Progressing,
            status: "False",
            reason: Reason.ProgressDeadlineExceeded,
            message,
          },
          nowIso,
        );
        b.event("Warning", EventReason.ProgressDeadlineExceeded, message);
        if (
          ctx.rollout.spec.progressDeadlineAbort === true &&
          status.stableRS !== status.currentPodHash
        ) {
          // §7.6: abort takes effect in the next pass, which sees status.abort.
          status.abort = true;
          b.requeue(0);
        }
      }
    }
  }

  // §7.6: look again when the deadline would pass, even if no watch event comes (stuck pods).
  const progressingNow = getCondition(status, ConditionType.Progressing);
  if (
    !complete &&
    !inputs.deadlineSuspended &&
    !paused &&
    progressingNow !== undefined &&
    progressingNow.reason !== Reason.ProgressDeadlineExceeded &&
    progressingNow.reason !== Reason.RolloutAborted &&
    progressingNow.reason !== Reason.NewReplicaSetAvailable
  ) {
    const since = timestampMillis(progressingNow.lastUpdateTime) ?? ctx.now.getTime();
    const expiresAt = since + progressDeadlineSecondsOrDefault(ctx.rollout.spec) * 1000;
    if (expiresAt >= ctx.now.getTime()) b.requeue((expiresAt - ctx.now.getTime()) / 1000 + 1);
  }

  // Paused (§2.2): only present once the rollout has been paused at least once.
  const pausedCondition = getCondition(status, ConditionType.Paused);
  if (paused) {
    setCondition(
      status,
      {
        type: ConditionType.Paused,
        status: "True",
        reason: Reason.RolloutPaused,
        message: "Rollout is paused",
      },
      nowIso,
    );
  } else if (pausedCondition !== undefined && pausedCondition.status === "True") {
    setCondition(
      status,
      {
        type: ConditionType.Paused,
        status: "False",
        reason: Reason.RolloutPaused,
        message: "Rollout is resumed",
      },
      nowIso,
    );
  }

  // Available.
  const available = (status.availableReplicas ?? 0) >= ctx.replicas;
  setCondition(
    status,
    {
      type: ConditionType.Available,
      status: available ? "True" : "False",
      reason: Reason.Available,
      message: available
        ? "Rollout has minimum availability"
        : "Rollout does not have minimum availability",
    },
    nowIso,
  );

  // Completed.
  const completed = status.stableRS !== undefined && status.stableRS === status.currentPodHash;
  const completedBefore = getCondition(previous, ConditionType.Completed)?.status === "True";
  setCondition(
    status,
    {
      type: ConditionType.Completed,
      status: completed ? "True" : "False",
      reason: Reason.RolloutCompleted,
      message: completed
        ? `Rollout completed update to revision ${revision} (${ctx.newHash})`
        : "Rollout not completed",
    },
    nowIso,
  );
  if (completed && !completedBefore) {
    b.event(
      "Normal",
      EventReason.RolloutCompleted,
      `Rollout completed update to revision ${revision} (${ctx.newHash})`,
    );
  } else if (!completed && completedBefore) {
    b.event(
      "Normal",
      EventReason.RolloutNotCompleted,
      `Rollout not completed, started update to revision ${revision} (${ctx.newHash})`,
    );
  }

  // Healthy.
  const healthy = complete && !paused;
  setCondition(
    status,
    {
      type: ConditionType.Healthy,
      status: healthy ? "True" : "False",
      reason: Reason.RolloutHealthy,
      message: healthy ? "Rollout is healthy" : "Rollout is not healthy",
    },
    nowIso,
  );

  // ReplicaFailure: copied from the new RS when it reports one.
  const failure = ctx.newRS?.status?.conditions?.find(
    (c) => c.type === "ReplicaFailure" && c.status === "True",
  );
  if (failure !== undefined) {
    setCondition(
      status,
      {
        type: ConditionType.ReplicaFailure,
        status: "True",
        reason: failure.reason ?? "",
        message: failure.message ?? "",
      },
      nowIso,
    );
  } else {
    removeCondition(status, ConditionType.ReplicaFailure);
  }
  removeCondition(status, ConditionType.InvalidSpec);

  const { phase, message } = computePhase(ctx, status, inputs);
  status.phase = phase;
  status.message = message;
  status.observedGeneration = String(ctx.rollout.metadata.generation ?? 0);
}

export type { ConditionInput } from "./conditions.js";
export type { HealthInputs, PhaseInputs } from "./phase.js";
export { computePhase, getCondition, isComplete, isoSeconds, removeCondition, setCondition };
