// ReplicaSet sizes of a canary with traffic routing: spec/rollout-behavior.md §5.1 (counts),
// §5.4 (setCanaryScale), §5.7 (other RSs) and §5.8 (abort). Pure helpers over one pass.
import {
  abortScaleDownDelaySecondsOrDefault,
  scaleDownDelaySecondsOrDefault,
} from "../../api/defaults.js";
import type { CanaryStrategy, TrafficWeights } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import { isoSeconds, type PlanBuilder, type RolloutContext } from "../context.js";
import { POD_TEMPLATE_HASH_LABEL, SCALE_DOWN_DEADLINE_ANNOTATION } from "../keys.js";
import type { ReplicaSetLike } from "../observed.js";
import {
  availableReplicas,
  revisionOf,
  rsHash,
  specReplicas,
  statusReplicas,
  timestampMillis,
} from "../replicasets.js";
import { activeCanaryScale, stepWeight } from "./steps.js";

/** What the traffic-routing helpers read about one canary pass. */
export interface TrafficPass {
  ctx: RolloutContext;
  canary: CanaryStrategy;
  steps: readonly CanaryStep[];
  /** status.currentStepIndex after this pass's abort/promoteFull bookkeeping. */
  index: number;
  newRS: ReplicaSetLike;
  /** The stable RS when it exists and is not the new RS. */
  stableRS: ReplicaSetLike | undefined;
  currentIsStable: boolean;
  aborted: boolean;
  promoteFull: boolean;
  /** W: trafficRouting.maxTrafficWeight (default 100). */
  maxWeight: number;
}

export interface ReplicaTargets {
  canary: number;
  stable: number;
}

const dynamic = (t: TrafficPass): boolean => t.canary.dynamicStableScale === true;

/** ceil(w·R/W) with W = 0 guarded (validation rejects it; the planner must not divide by 0). */
function podsFor(t: TrafficPass, weight: number): number {
  if (t.maxWeight <= 0) return 0;
  return Math.ceil((weight * t.ctx.replicas) / t.maxWeight);
}

/** minPods(x) of §5.1: non-zero counts raised to min(minPodsPerReplicaSet, R). */
function minPods(t: TrafficPass, count: number): number {
  const min = t.canary.minPodsPerReplicaSet;
  if (count === 0 || min === undefined) return count;
  return Math.max(count, Math.min(min, t.ctx.replicas));
}

/** How an aborted canary's pods are handled (§5.8). */
export type AbortCanaryMode = "follow" | "keep" | "deadline";

export function abortCanaryMode(t: TrafficPass): AbortCanaryMode {
  const delay = abortScaleDownDelaySecondsOrDefault(t.ctx.rollout.spec);
  // DSS without an explicit delay: the canary follows the (shrinking) weight.
  if (dynamic(t) && !delay.explicit) return "follow";
  return delay.seconds === 0 ? "keep" : "deadline";
}

export interface AbortWeights {
  /** Weight sent to the routers (§5.8 "Weight"). */
  traffic: number;
  /** d of §5.8: the weight the replica counts of §5.1 follow while aborting. */
  replica: number;
}

/**
 * §5.8 weights of an aborted (or, §5.2 rule 1, rolled-back) dynamic-stable-scale canary.
 * `canaryRS` is the RS that carries the canary weight.
 */
export function dynamicAbortWeights(
  t: TrafficPass,
  canaryRS: ReplicaSetLike | undefined,
  recorded: TrafficWeights | undefined,
): AbortWeights {
  if (!dynamic(t)) return { traffic: 0, replica: 0 };
  const R = t.ctx.replicas;
  const W = t.maxWeight;
  const stableAvailable = availableReplicas(
    t.stableRS ?? (t.currentIsStable ? t.newRS : undefined),
  );
  const canaryAvailable = availableReplicas(canaryRS);
  const explicit = abortScaleDownDelaySecondsOrDefault(t.ctx.rollout.spec).explicit;
  const limit = explicit ? R - stableAvailable : Math.max(R - stableAvailable, canaryAvailable);
  let d = 0;
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const weight = t.steps[i]?.setWeight;
    // Pods a weight needs include minPodsPerReplicaSet; without it a canary held at the
    // minimum would keep its weight forever (the spec's formula counts only ceil(w·R/W)).
    if (weight !== undefined && minPods(t, podsFor(t, weight)) < limit) {
      d = weight;
      break;
    }
  }
  const stableShare = R > 0 ? Math.floor((W * stableAvailable) / R) : W;
  const e = Math.max(0, W - stableShare);
  const previous = recorded?.canary.weight;
  let traffic: number;
  if (previous === undefined) traffic = Math.max(e, d);
  else if (d <= 0) traffic = Math.min(e, previous);
  else if (stableShare < W - d) traffic = previous;
  else traffic = Math.min(d, previous);
  return { traffic, replica: d };
}

/**
 * §5.1 replica counts. `weightsAfter` are the status weights as this pass leaves them (the
 * aborted DSS canary keeps the pods its current weight needs); the stable side follows the
 * weights recorded at pass start, so with DSS stable shrinks one pass after the weight moves.
 */
export function trafficReplicaTargets(
  t: TrafficPass,
  abortReplicaWeight: number,
  weightsAfter: TrafficWeights | undefined,
): ReplicaTargets {
  const R = t.ctx.replicas;
  const W = t.maxWeight;
  let count: number | undefined;
  let weight: number;
  if (t.promoteFull || t.stableRS === undefined || t.currentIsStable) {
    weight = W;
  } else {
    const delay = abortScaleDownDelaySecondsOrDefault(t.ctx.rollout.spec);
    const scale =
      t.aborted && delay.seconds !== 0 ? undefined : activeCanaryScale(t.steps, t.index);
    if (scale?.replicas !== undefined) {
      count = scale.replicas;
      weight = 0;
    } else if (scale?.weight !== undefined) {
      weight = scale.weight;
    } else if (t.aborted) {
      weight = dynamic(t) ? abortReplicaWeight : 0;
    } else {
      weight = t.steps.length === 0 || t.index >= t.steps.length ? W : stepWeight(t.steps, t.index);
    }
  }
  let canary = count ?? minPods(t, podsFor(t, weight));
  let stable = R;
  if (dynamic(t)) {
    const recordedStable = t.ctx.previous.canary?.weights?.stable.weight;
    stable = Math.max(
      podsFor(t, W - weight),
      recordedStable === undefined ? 0 : podsFor(t, recordedStable),
    );
    if (t.aborted && weightsAfter !== undefined) {
      canary = Math.max(canary, podsFor(t, weightsAfter.canary.weight));
    }
  }
  return { canary, stable: Math.min(stable, R) };
}

/** Whether the new RS meets replicaProgressThreshold for `desired` pods (§1.2, §4.4). */
export function meetsThreshold(
  canary: CanaryStrategy,
  rs: ReplicaSetLike,
  desired: number,
): boolean {
  if (specReplicas(rs) !== desired) return false;
  const available = availableReplicas(rs);
  const threshold = canary.replicaProgressThreshold;
  if (threshold === undefined) return available === desired;
  if (threshold.type === "Pods") return available >= Math.min(threshold.value, desired);
  return desired === 0 || (available * 100) / desired >= threshold.value;
}

/** §4.4 atDesired with traffic routing (RSs as read at pass start; no abort). */
export function atDesiredWithTraffic(t: TrafficPass): boolean {
  const targets = trafficReplicaTargets({ ...t, aborted: false }, 0, undefined);
  const newReady = meetsThreshold(t.canary, t.newRS, targets.canary);
  const stableReady =
    dynamic(t) ||
    t.stableRS === undefined ||
    (specReplicas(t.stableRS) === targets.stable && statusReplicas(t.stableRS) === targets.stable);
  return newReady && stableReady;
}

function deadlineMillis(rs: ReplicaSetLike): number | undefined {
  const value = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
  if (value === undefined) return undefined;
  // An unreadable deadline counts as passed: the RS is not kept forever by a typo.
  return timestampMillis(value) ?? 0;
}

/**
 * §5.8: an aborted canary's pods (modes "keep" and "deadline"). Returns true when the RS was
 * scaled. The deadline is set once stable has R available pods, then the RS goes to 0.
 */
export function scaleAbortedCanary(
  t: TrafficPass,
  b: PlanBuilder,
  mode: "keep" | "deadline",
  keepTarget: number | undefined,
): boolean {
  const { ctx, newRS } = t;
  if (mode === "keep") {
    // Delay 0 keeps the canary; an active setCanaryScale still sets its size (§5.8).
    return keepTarget !== undefined && b.scale(newRS, keepTarget);
  }
  if (specReplicas(newRS) === 0) return false;
  const deadline = deadlineMillis(newRS);
  if (deadline === undefined) {
    if (availableReplicas(t.stableRS) < ctx.replicas) return false;
    const seconds = abortScaleDownDelaySecondsOrDefault(ctx.rollout.spec).seconds;
    b.annotate(newRS, {
      [SCALE_DOWN_DEADLINE_ANNOTATION]: isoSeconds(new Date(ctx.now.getTime() + seconds * 1000)),
    });
    b.requeue(seconds);
    return false;
  }
  if (deadline > ctx.now.getTime()) {
    b.requeue((deadline - ctx.now.getTime()) / 1000);
    return false;
  }
  return b.scaleToZero(newRS);
}

/** Hashes §5.7 says must not be scaled down: still referenced by status, weights or a Service. */
export function referencedHashes(t: TrafficPass): Set<string> {
  const { ctx } = t;
  const previous = ctx.previous;
  const hashes = new Set<string>([ctx.newHash]);
  if (previous.stableRS !== undefined) hashes.add(previous.stableRS);
  if (previous.currentPodHash !== undefined) hashes.add(previous.currentPodHash);
  const weights = previous.canary?.weights;
  for (const destination of [weights?.canary, weights?.stable, ...(weights?.additional ?? [])]) {
    if (destination?.podTemplateHash !== undefined) hashes.add(destination.podTemplateHash);
  }
  for (const service of ctx.services.values()) {
    const hash = service.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
    if (hash !== undefined) hashes.add(hash);
  }
  return hashes;
}

/**
 * §5.7 (with §4.11's availability budget): unreferenced other RSs go to 0, after a
 * `scale-down-deadline` of scaleDownDelaySeconds once the update is fully promoted (DSS: at
 * once). At most scaleDownDelayRevisionLimit RSs wait, newest first.
 */
export function scaleOthersWithTraffic(
  t: TrafficPass,
  b: PlanBuilder,
  maxUnavailable: number,
): void {
  const { ctx } = t;
  const referenced = referencedHashes(t);
  const candidates = ctx.otherRSs
    .filter((rs) => specReplicas(rs) > 0 && !referenced.has(rsHash(rs) ?? ""))
    .sort((a, c) => revisionOf(c) - revisionOf(a));
  const delay = scaleDownDelaySecondsOrDefault(ctx.rollout.spec).seconds;
  const revisionLimit = t.canary.scaleDownDelayRevisionLimit;
  let waiting = 0;
  const toZero: ReplicaSetLike[] = [];
  for (const rs of candidates) {
    const deadline = deadlineMillis(rs);
    if (!(t.currentIsStable || deadline !== undefined) || dynamic(t) || delay <= 0) {
      toZero.push(rs);
      continue;
    }
    if (revisionLimit !== undefined && waiting >= revisionLimit) {
      toZero.push(rs);
      continue;
    }
    if (deadline === undefined) {
      b.annotate(rs, {
        [SCALE_DOWN_DEADLINE_ANNOTATION]: isoSeconds(new Date(ctx.now.getTime() + delay * 1000)),
      });
      b.requeue(delay);
      waiting++;
    } else if (deadline > ctx.now.getTime()) {
      b.requeue((deadline - ctx.now.getTime()) / 1000);
      waiting++;
    } else {
      toZero.push(rs);
    }
  }
  const totalAvailable = ctx.allRSs.reduce((sum, rs) => sum + availableReplicas(rs), 0);
  let budget = Math.max(0, totalAvailable - (ctx.replicas - maxUnavailable));
  for (const rs of toZero) {
    const spec = specReplicas(rs);
    const available = Math.min(availableReplicas(rs), spec);
    // Pods that are not available can go freely; available ones spend the budget.
    const spent = Math.min(available, budget);
    budget -= spent;
    const size = available - spent;
    if (size === 0) b.scaleToZero(rs);
    else b.scale(rs, size);
  }
}
