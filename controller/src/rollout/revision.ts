// A new revision: create the new RS or adopt an existing one, and reset the status for it.
// spec/rollout-behavior.md §3.1 step 4, §4.9, §4.10, §7.1, §7.2.
import type { RolloutStatus } from "../api/rollout.js";
import type { PlanBuilder, RolloutContext } from "./context.js";
import { computeStepHash } from "./hash.js";
import { EventReason, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from "./keys.js";
import type { ReplicaSetLike } from "./observed.js";
import { desiredAffinity, initialEphemeral } from "./pod-metadata.js";
import {
  buildNewReplicaSet,
  createdAtMillis,
  nextRevision,
  revisionOf,
  rsHash,
  rsName,
  specReplicas,
} from "./replicasets.js";

export type RevisionOutcome =
  /** Nothing to do: the status already describes the current template. */
  | { kind: "current" }
  /** The pass ends after writing status (new RS created, collision, or status reset). */
  | { kind: "reset"; created: boolean }
  | { kind: "collision" };

/** The canary steps' hash, or undefined for blue-green (which has no steps). */
export function stepHashOf(ctx: RolloutContext): string | undefined {
  const canary = ctx.rollout.spec.strategy.canary;
  return canary === undefined ? undefined : computeStepHash(canary.steps ?? []);
}

/**
 * spec §4.10: rolling back to an RS created before the stable one, with fewer than N
 * revisions created strictly in between, skips the steps.
 */
export function isRollbackWithinWindow(ctx: RolloutContext): boolean {
  const window = ctx.rollout.spec.rollbackWindow?.revisions;
  const { newRS, stableRS } = ctx;
  if (window === undefined || newRS === undefined || stableRS === undefined || newRS === stableRS)
    return false;
  const from = createdAtMillis(newRS);
  const to = createdAtMillis(stableRS);
  if (from >= to) return false;
  const between = ctx.allRSs.filter((rs) => {
    const created = createdAtMillis(rs);
    return rs !== newRS && rs !== stableRS && created > from && created < to;
  }).length;
  return between < window;
}

function resetStatus(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
  newRS: ReplicaSetLike | undefined,
): void {
  const steps = ctx.rollout.spec.strategy.canary?.steps ?? [];
  status.currentPodHash = ctx.newHash;
  const stepHash = stepHashOf(ctx);
  if (stepHash !== undefined) status.currentStepHash = stepHash;
  else delete status.currentStepHash;
  // First pass of a brand-new Rollout: its first RS is stable (spec §2.1 stableRS).
  if (status.stableRS === undefined || status.stableRS === "") status.stableRS = ctx.newHash;
  delete status.pauseConditions;
  delete status.controllerPause;
  delete status.abort;
  delete status.abortedAt;
  delete status.promoteFull;
  if (ctx.rollout.spec.restartAt !== undefined) status.restartedAt = ctx.rollout.spec.restartAt;
  if (status.canary !== undefined) {
    delete status.canary.currentStepAnalysisRunStatus;
    delete status.canary.currentBackgroundAnalysisRunStatus;
    delete status.canary.currentExperiment;
    delete status.canary.stepPluginStatuses;
  }
  if (status.blueGreen !== undefined) {
    delete status.blueGreen.scaleUpPreviewCheckPoint;
    delete status.blueGreen.prePromotionAnalysisRunStatus;
    delete status.blueGreen.postPromotionAnalysisRunStatus;
  }
  if (ctx.rollout.spec.strategy.canary === undefined) {
    delete status.currentStepIndex;
    return;
  }
  if (steps.length === 0) {
    delete status.currentStepIndex;
    return;
  }
  status.currentStepIndex = 0;
  if (status.stableRS === ctx.newHash) {
    status.currentStepIndex = steps.length;
    if (newRS !== undefined && ctx.previous.currentPodHash !== undefined) {
      b.event("Normal", EventReason.SkipSteps, "Rollback to stable ReplicaSet: skipping all steps");
    }
  } else if (newRS !== undefined && specReplicas(newRS) > 0 && isRollbackWithinWindow(ctx)) {
    status.currentStepIndex = steps.length;
    b.event("Normal", EventReason.SkipSteps, "Rollback within window: skipping all steps");
  }
}

/**
 * Creates the new RS when missing, bumps a reused RS's revision, and resets the status when
 * the template or steps changed. Anything but `current` ends the pass.
 */
export function syncRevision(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
): RevisionOutcome {
  const rolloutRevision = ctx.rollout.metadata.annotations?.[REVISION_ANNOTATION];
  if (ctx.newRS === undefined) {
    const name = `${ctx.name}-${ctx.newHash}`;
    const clash = ctx.observed.replicaSets.find((rs) => rsName(rs) === name);
    if (clash !== undefined && rsHash(clash) !== ctx.newHash) {
      // spec §7.1: the name is taken by an RS with another template; hash again next pass.
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      b.requeue(0);
      return { kind: "collision" };
    }
    const revision = nextRevision(ctx.allRSs);
    const stableHash = ctx.previous.stableRS;
    const differentStable =
      ctx.stableRS !== undefined && stableHash !== undefined && stableHash !== ctx.newHash;
    const manifest = buildNewReplicaSet({
      rollout: ctx.rollout,
      template: ctx.template,
      selector: ctx.selector,
      hash: ctx.newHash,
      revision,
      replicas: ctx.replicas,
      ephemeral: initialEphemeral(ctx, differentStable),
      affinity: differentStable ? desiredAffinity(ctx, stableHash) : undefined,
    });
    b.actions.push({ kind: "createReplicaSet", replicaSet: manifest });
    if (rolloutRevision !== String(revision)) {
      b.actions.push({
        kind: "patchRollout",
        annotations: { [REVISION_ANNOTATION]: String(revision) },
      });
    }
    b.event(
      "Normal",
      EventReason.NewReplicaSetCreated,
      `Created ReplicaSet ${manifest.metadata.name} (revision ${revision})`,
    );
    b.event("Normal", EventReason.RolloutUpdated, `Rollout updated to revision ${revision}`);
    resetStatus(ctx, b, status, undefined);
    return { kind: "reset", created: true };
  }

  const stepHash = stepHashOf(ctx);
  const changed =
    ctx.previous.currentPodHash !== ctx.newHash ||
    (stepHash !== undefined && ctx.previous.currentStepHash !== stepHash);
  let revision = revisionOf(ctx.newRS);
  const maxOther = nextRevision(ctx.allRSs, ctx.newRS) - 1;
  if (ctx.previous.currentPodHash !== ctx.newHash && revision <= maxOther) {
    // spec §4.10: a reused RS gets the next revision; its old number goes to revision-history.
    const history = ctx.newRS.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION];
    const newHistory =
      history === undefined || history === "" ? String(revision) : `${history},${revision}`;
    revision = maxOther + 1;
    b.annotate(ctx.newRS, {
      [REVISION_ANNOTATION]: String(revision),
      [REVISION_HISTORY_ANNOTATION]: newHistory,
    });
    b.event("Normal", EventReason.RolloutUpdated, `Rollout updated to revision ${revision}`);
  }
  if (rolloutRevision !== String(revision) && revision > 0) {
    b.actions.push({
      kind: "patchRollout",
      annotations: { [REVISION_ANNOTATION]: String(revision) },
    });
  }
  if (!changed) return { kind: "current" };
  resetStatus(ctx, b, status, ctx.newRS);
  return { kind: "reset", created: false };
}
