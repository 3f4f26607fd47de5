// Basic canary (no traffic routing) pieces of a pass: atDesired for a setWeight step, the
// promotion readiness of the new RS, and RS scaling. spec/rollout-behavior.md §4.3, §4.4, §4.6.
import type { CanaryStrategy, RolloutStatus } from "../../api/rollout.js";
import type { PlanBuilder, RolloutContext } from "../context.js";
import type { ReplicaSetLike } from "../observed.js";
import {
  approximateWeightedCounts,
  calculateCanaryTargets,
  type Fenceposts,
  scaleDownOtherReplicaSets,
} from "../replica-math.js";
import {
  availableReplicas,
  revisionOf,
  rsName,
  specReplicas,
  statusReplicas,
} from "../replicasets.js";
import { meetsThreshold } from "./traffic-replicas.js";

/** Basic canary: the weight is a share of pods, W is always 100 (spec §1 terms). */
export const BASIC_MAX_WEIGHT = 100;

export interface CanaryPass {
  ctx: RolloutContext;
  b: PlanBuilder;
  status: RolloutStatus;
  canary: CanaryStrategy;
  newRS: ReplicaSetLike;
  /** The stable RS when it exists and is not the new RS. */
  stableRS: ReplicaSetLike | undefined;
  fence: Fenceposts;
}

/** spec §4.4 atDesired for a basic-canary setWeight step, on the RSs as read at pass start. */
export function atDesiredWeight(pass: CanaryPass, weight: number): boolean {
  const { ctx, canary, newRS, stableRS } = pass;
  const R = ctx.replicas;
  let { canary: desiredNew, stable: desiredStable } = approximateWeightedCounts(
    R,
    weight,
    BASIC_MAX_WEIGHT,
    pass.fence.maxSurge,
  );
  if (stableRS === undefined) {
    desiredNew = R;
    desiredStable = 0;
  }
  const newReady = meetsThreshold(canary, newRS, desiredNew);
  const stableReady =
    stableRS === undefined ||
    (specReplicas(stableRS) === desiredStable && statusReplicas(stableRS) === desiredStable);
  const othersDrained = ctx.otherRSs.every((rs) => availableReplicas(rs) === 0);
  return newReady && stableReady && othersDrained;
}

/** Whether the new RS is available enough to become stable (§4.6). */
export function newReplicaSetReadyForPromotion(pass: CanaryPass): boolean {
  const { ctx, canary, newRS } = pass;
  const R = ctx.replicas;
  const available = availableReplicas(newRS);
  if (available >= R) return true;
  const threshold = canary.replicaProgressThreshold;
  if (threshold === undefined) return false;
  if (specReplicas(newRS) !== R) return false;
  return threshold.type === "Pods"
    ? available >= threshold.value
    : R > 0 && (available * 100) / R >= threshold.value;
}

/** §4.3 and §4.11: one scaling change — stable, else new, else the other RSs. */
export function scaleBasicCanary(pass: CanaryPass, weight: number): void {
  const { ctx, b, newRS, stableRS } = pass;
  const R = ctx.replicas;
  const otherSpecTotal = ctx.otherRSs.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const targets = calculateCanaryTargets({
    replicas: R,
    weight,
    maxWeight: BASIC_MAX_WEIGHT,
    fenceposts: pass.fence,
    newRS: { spec: specReplicas(newRS), available: availableReplicas(newRS) },
    stableRS:
      stableRS === undefined
        ? undefined
        : { spec: specReplicas(stableRS), available: availableReplicas(stableRS) },
    otherSpecTotal,
  });
  const scaledStable = stableRS !== undefined && b.scale(stableRS, targets.stableReplicas);
  const scaledNew = !scaledStable && b.scale(newRS, targets.newReplicas);
  if (!scaledStable && !scaledNew) {
    const totalAvailable = ctx.allRSs.reduce((sum, rs) => sum + availableReplicas(rs), 0);
    const sizes = scaleDownOtherReplicaSets(
      ctx.otherRSs.map((rs) => ({
        name: rsName(rs),
        revision: revisionOf(rs),
        spec: specReplicas(rs),
        available: availableReplicas(rs),
      })),
      totalAvailable,
      R,
      pass.fence.maxUnavailable,
    );
    for (const rs of ctx.otherRSs) {
      const size = sizes.get(rsName(rs));
      if (size !== undefined) b.scale(rs, size);
    }
  }
}
