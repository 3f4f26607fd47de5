// Small pure helpers for the executor that applies a Plan (DESIGN §4 step 3).
import type { Rollout, RolloutStatus } from "../api/rollout.js";
import type { WeightDestination } from "../api/traffic-routing.js";
import { ConditionType, EventReason, Reason } from "./keys.js";
import type { PlanEvent } from "./plan-types.js";
import { timestampMillis } from "./replicasets.js";
import { setCondition } from "./status.js";

/**
 * spec §2.2 `ReplicaSetCreateError`: what the executor writes when creating the new RS fails
 * for another reason than AlreadyExists (which is a success on a repeated plan).
 */
export function replicaSetCreateError(
  rollout: Rollout,
  replicaSetName: string,
  error: string,
  now: Date,
): { status: RolloutStatus; event: PlanEvent } {
  const status = structuredClone(rollout.status ?? {});
  const message = `Failed to create new replica set "${replicaSetName}": ${error}`;
  setCondition(
    status,
    {
      type: ConditionType.Progressing,
      status: "False",
      reason: Reason.ReplicaSetCreateError,
      message,
    },
    `${now.toISOString().slice(0, 19)}Z`,
  );
  return { status, event: { type: "Warning", reason: Reason.ReplicaSetCreateError, message } };
}

/** Whether plan() needs `Observed.pods` for this Rollout now: a restart is due (spec §7.7). */
export function podsNeeded(rollout: Rollout, now: Date): boolean {
  const restartAt = rollout.spec.restartAt;
  if (restartAt === undefined || restartAt === rollout.status?.restartedAt) return false;
  const at = timestampMillis(restartAt);
  return at !== undefined && at <= now.getTime();
}

export { EventReason };

/**
 * What the observe step asks every router with VerifyWeight before planning (the answer goes
 * into Observed.routers): the weights recorded in the Rollout's status by the previous pass.
 * Undefined when there is nothing to verify (no trafficRouting, or no weights recorded yet);
 * then leave Observed.routers unset.
 */
export function weightToVerify(
  rollout: Rollout,
): { weight: number; additionalDestinations: WeightDestination[] } | undefined {
  if (rollout.spec.strategy.canary?.trafficRouting === undefined) return undefined;
  const weights = rollout.status?.canary?.weights;
  if (weights === undefined) return undefined;
  return { weight: weights.canary.weight, additionalDestinations: weights.additional ?? [] };
}
