// Traffic routing of one canary pass: the desired weight (spec/rollout-behavior.md §5.2), the
// router calls (spec/traffic-routers.md §1.4), status.canary.weights, and the VerifyWeight
// gate (Observed.routers, asked before planning).
import type { RolloutStatus, TrafficWeights } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import type { PlanBuilder } from "../context.js";
import { EventReason } from "../keys.js";
import type { ReplicaSetLike } from "../observed.js";
import type { RouterCall } from "../plan-types.js";
import { availableReplicas, revisionOf, rsHash } from "../replicasets.js";
import { stepWeight, stepWeightBefore } from "./steps.js";
import { type AbortWeights, dynamicAbortWeights, type TrafficPass } from "./traffic-replicas.js";

/** spec/traffic-routers.md §1.4: ROLLOUT_VERIFY_RETRY_INTERVAL. */
export const VERIFY_RETRY_SECONDS = 10;

export interface WeightDecision {
  /** Canary weight for every router this pass. */
  weight: number;
  canaryHash: string;
  stableHash: string;
  /** RemoveManagedRoutes is due (promoted, aborted, no canary pod, promoteFull). */
  removeRoutes: boolean;
  /** §5.8 weights (meaningful only for an aborted dynamic-stable-scale canary). */
  abort: AbortWeights;
}

export interface TrafficOutcome {
  decision: WeightDecision;
  /** Not enough stable pods for the weight: no router was called (§5.2). */
  skipped: boolean;
  /** status.canary.weights as this pass leaves it. */
  weightsAfter: TrafficWeights | undefined;
  /** The weight is confirmed by the routers, or none of them can verify. */
  verified: boolean;
  /** Why a step or the promotion waits on the routers (phase message). */
  waitMessage: string | undefined;
}

/** The Services whose names go into status.canary.weights (§5.6: ping-pong sides). */
export function trafficServiceNames(
  t: TrafficPass,
  status: RolloutStatus,
): { canary: string | undefined; stable: string | undefined } {
  const pingPong = t.canary.pingPong;
  if (pingPong !== undefined) {
    // §5.6: no record yet means pong is the stable side.
    const stableIsPing = status.canary?.stablePingPong === "ping";
    return stableIsPing
      ? { canary: pingPong.pongService, stable: pingPong.pingService }
      : { canary: pingPong.pingService, stable: pingPong.pongService };
  }
  const name = (value: string | undefined) =>
    value === undefined || value === "" ? undefined : value;
  return { canary: name(t.canary.canaryService), stable: name(t.canary.stableService) };
}

/** §5.2, first match. `atDesired`: the canary is at its replica counts (RSs at pass start). */
export function decideWeight(t: TrafficPass, atDesired: boolean): WeightDecision {
  const { ctx, newRS } = t;
  const W = t.maxWeight;
  const recorded = ctx.previous.canary?.weights;
  const stableHash = ctx.previous.stableRS ?? ctx.newHash;
  const base = { canaryHash: ctx.newHash, stableHash, abort: { traffic: 0, replica: 0 } };
  const recordedCanaryHash = recorded?.canary.podTemplateHash;
  // 1. DSS rolling back to the stable RS mid-update: shrink the old canary's weight gradually.
  if (
    t.canary.dynamicStableScale === true &&
    t.currentIsStable &&
    recordedCanaryHash !== undefined &&
    recordedCanaryHash !== ctx.newHash &&
    availableReplicas(newRS) < ctx.replicas
  ) {
    const oldCanary = ctx.allRSs.find((rs) => rsHash(rs) === recordedCanaryHash);
    const abort = dynamicAbortWeights(t, oldCanary, recorded);
    return {
      ...base,
      weight: abort.traffic,
      canaryHash: recordedCanaryHash,
      removeRoutes: false,
      abort,
    };
  }
  // 2. Fully promoted: the stable Service selects the new pods; the canary weight is 0.
  if (t.currentIsStable) return { ...base, weight: 0, removeRoutes: true };
  // 3. Aborted: all traffic back to stable (DSS: gradually, §5.8).
  if (t.aborted) {
    const abort = dynamicAbortWeights(t, newRS, recorded);
    return { ...base, weight: abort.traffic, removeRoutes: true, abort };
  }
  // 4. No canary pod can take traffic yet.
  if (availableReplicas(newRS) === 0) return { ...base, weight: 0, removeRoutes: true };
  // 5. promote --full: hold the weight while the canary grows (DSS: what its pods carry).
  if (t.promoteFull) {
    const weight =
      t.canary.dynamicStableScale === true
        ? ctx.replicas > 0
          ? Math.floor((W * availableReplicas(newRS)) / ctx.replicas)
          : 0
        : (recorded?.canary.weight ?? 0);
    return { ...base, weight, removeRoutes: true };
  }
  // 6. Steps: the weight moves only once the canary pods for it are in place.
  const stepCount = t.steps.length;
  let weight: number;
  if (!atDesired) {
    // The pods for the new weight are not there yet: keep the previous step's weight, but
    // a lower target moves first, so traffic leaves canary pods before they are removed
    // (§5.3; the original keeps the higher weight for one pass).
    const target = t.index < stepCount ? stepWeight(t.steps, t.index) : W;
    weight = Math.min(stepWeightBefore(t.steps, t.index), target);
  } else if (t.index < stepCount) weight = stepWeight(t.steps, t.index);
  else weight = W;
  return { ...base, weight, removeRoutes: false };
}

/** §5.2: the stable pods needed before a weight may be sent (replicaProgressThreshold aware). */
function enoughStablePods(t: TrafficPass, decision: WeightDecision): boolean {
  const { ctx } = t;
  const stableRS: ReplicaSetLike | undefined =
    ctx.allRSs.find((rs) => rsHash(rs) === decision.stableHash) ?? t.newRS;
  const W = t.maxWeight;
  if (W <= 0) return true;
  let needed = Math.floor(((W - decision.weight) * ctx.replicas) / W);
  const threshold = t.canary.replicaProgressThreshold;
  if (threshold !== undefined) {
    needed =
      threshold.type === "Pods"
        ? Math.min(needed, threshold.value)
        : Math.ceil((needed * threshold.value) / 100);
  }
  return availableReplicas(stableRS) >= needed;
}

const sameTarget = (a: TrafficWeights | undefined, b: TrafficWeights): boolean =>
  a !== undefined &&
  a.canary.weight === b.canary.weight &&
  a.canary.podTemplateHash === b.canary.podTemplateHash &&
  a.stable.podTemplateHash === b.stable.podTemplateHash;

/**
 * Emits this pass's router calls (in the order of traffic-routers.md §1.4) and records
 * status.canary.weights. `currentStep` is the step at the (possibly reset) index.
 */
export function applyTraffic(
  t: TrafficPass,
  b: PlanBuilder,
  status: RolloutStatus,
  decision: WeightDecision,
  currentStep: CanaryStep | undefined,
): TrafficOutcome {
  const { ctx } = t;
  const recorded = ctx.previous.canary?.weights;
  if (!enoughStablePods(t, decision)) {
    return {
      decision,
      skipped: true,
      weightsAfter: recorded,
      verified: false,
      waitMessage: `waiting for stable pods to be available before setting traffic weight ${decision.weight}`,
    };
  }
  const call = (routerCall: RouterCall) => b.actions.push({ kind: "router", call: routerCall });
  if (decision.removeRoutes) {
    call({ method: "removeManagedRoutes" });
  } else if (currentStep !== undefined && revisionOf(t.newRS) > 1) {
    // Header/mirror steps apply only to an update (revision > 1), not to the first install.
    if (currentStep.setHeaderRoute !== undefined)
      call({ method: "setHeaderRoute", step: { ...currentStep.setHeaderRoute } });
    if (currentStep.setMirrorRoute !== undefined)
      call({ method: "setMirrorRoute", step: { ...currentStep.setMirrorRoute } });
  }
  // Take traffic off a canary with no available pod before the hashes move.
  if (availableReplicas(t.newRS) === 0 && (recorded?.canary.weight ?? 0) > 0) {
    call({ method: "setWeight", weight: decision.weight });
  }
  call({ method: "updateHash", canaryHash: decision.canaryHash, stableHash: decision.stableHash });
  call({ method: "setWeight", weight: decision.weight });

  const names = trafficServiceNames(t, status);
  const weights: TrafficWeights = {
    canary: {
      weight: decision.weight,
      podTemplateHash: decision.canaryHash,
      ...(names.canary === undefined ? {} : { serviceName: names.canary }),
    },
    stable: {
      weight: t.maxWeight - decision.weight,
      podTemplateHash: decision.stableHash,
      ...(names.stable === undefined ? {} : { serviceName: names.stable }),
    },
  };
  if (recorded === undefined || recorded.canary.weight !== decision.weight) {
    b.event(
      "Normal",
      EventReason.TrafficWeightUpdated,
      `Traffic weight updated from ${recorded?.canary.weight ?? 0} to ${decision.weight}`,
    );
  }

  const routers = ctx.observed.routers;
  let verified = true;
  let value: boolean | undefined;
  let waitMessage: string | undefined;
  if (routers?.error !== undefined) {
    verified = false;
    waitMessage = `traffic router failed, the step waits: ${routers.error}`;
  } else if (routers !== undefined && routers.verified !== undefined) {
    if (!sameTarget(recorded, weights)) {
      // The routers verified what the previous pass set; this weight is checked next pass.
      verified = false;
      waitMessage = `waiting for the traffic routers to verify weight ${decision.weight}`;
    } else {
      value = routers.verified;
      verified = routers.verified;
      if (!verified)
        waitMessage = `traffic weight ${decision.weight} is not yet verified by the traffic routers`;
    }
  }
  if (value !== undefined) weights.verified = value;
  if (!verified) b.requeue(VERIFY_RETRY_SECONDS);
  status.canary = { ...status.canary, weights };
  return { decision, skipped: false, weightsAfter: weights, verified, waitMessage };
}
