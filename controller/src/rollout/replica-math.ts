// Replica arithmetic for the canary strategy: surge/unavailable budgets, the weight-to-pods
// approximation and the per-pass target counts. spec/rollout-behavior.md §1.2, §4.2, §4.3, §4.11.

/** Int-or-string as it appears in the API: ints are absolute, every string is a percent of R. */
export type IntOrString = number | string;

/**
 * Resolves an int-or-string against `total`. Strings are percentages with an optional `%`
 * (spec §1.2: `"25"` ≡ `"25%"`). `roundUp` selects ceil (maxSurge) or floor (maxUnavailable).
 * Unparseable strings resolve to 0; validation reports them before the planner runs.
 */
export function resolveIntOrPercent(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === "number") return Math.max(0, Math.trunc(value));
  const trimmed = value.trim().replace(/%$/, "");
  const percent = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(percent)) return 0;
  const exact = (percent * total) / 100;
  // Guard against binary fractions such as 0.29*100 producing 28.999999.
  const rounded = Math.round(exact * 1e9) / 1e9;
  return Math.max(0, roundUp ? Math.ceil(rounded) : Math.floor(rounded));
}

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

/**
 * spec §1.2: maxSurge defaults to "25" (round up), maxUnavailable to "25" (round down); when
 * both resolve to 0 unavailable becomes 1; unavailable is capped at R and is 0 when R = 0.
 */
export function resolveFenceposts(
  replicas: number,
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
): Fenceposts {
  const surge = resolveIntOrPercent(maxSurge ?? "25%", replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable ?? "25%", replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  if (replicas === 0) unavailable = 0;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, replicas) };
}

export interface CanaryStableCounts {
  canary: number;
  stable: number;
}

/** Whether the fractional part of n·w/W is exactly one half (integer arithmetic, no floats). */
function isTie(n: number, weight: number, maxWeight: number): boolean {
  return (2 * n * weight) % (2 * maxWeight) === maxWeight;
}

/**
 * spec §4.2 approx(R, w, W, surge): split R pods so that canary/total is as close as possible to
 * w/W, allowing one extra pod when a surge budget exists.
 */
export function approximateWeightedCounts(
  replicas: number,
  weight: number,
  maxWeight: number,
  maxSurge: number,
): CanaryStableCounts {
  if (replicas === 0) return { canary: 0, stable: 0 };
  const ceilCanary = Math.ceil((replicas * weight) / maxWeight);
  const floorCanary = Math.floor((replicas * weight) / maxWeight);
  const zeroOk = weight === maxWeight || weight === 0 || (replicas === 1 && maxSurge === 0);
  const candidates: Array<{ canary: number; total: number }> = [];
  if (ceilCanary < replicas || zeroOk) candidates.push({ canary: ceilCanary, total: replicas });
  if (!isTie(replicas, weight, maxWeight) && (floorCanary !== 0 || zeroOk)) {
    candidates.push({ canary: floorCanary, total: replicas });
  }
  if (maxSurge > 0) {
    candidates.push({ canary: ceilCanary, total: replicas + 1 });
    if (!isTie(replicas + 1, weight, maxWeight) && (floorCanary !== 0 || zeroOk)) {
      candidates.push({ canary: floorCanary, total: replicas + 1 });
    }
  }
  let best: { canary: number; total: number } | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = Math.abs((candidate.canary * maxWeight) / candidate.total - weight);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return { canary: ceilCanary, stable: replicas - ceilCanary };
  return { canary: best.canary, stable: best.total - best.canary };
}

/** The few numbers of a ReplicaSet the replica algorithm reads. */
export interface ReplicaCounts {
  /** spec.replicas */
  spec: number;
  /** status.availableReplicas */
  available: number;
}

export interface CanaryTargetInput {
  replicas: number;
  weight: number;
  maxWeight: number;
  fenceposts: Fenceposts;
  newRS: ReplicaCounts;
  /** The stable RS when it exists and differs from the new RS. */
  stableRS: ReplicaCounts | undefined;
  /** Σ spec.replicas over the other RSs. */
  otherSpecTotal: number;
}

export interface CanaryTargets {
  newReplicas: number;
  stableReplicas: number;
}

/**
 * spec §4.3: the counts the new and stable RS should move towards in this pass, bounded by the
 * surge budget (never more than R + maxSurge pods) and the availability floor (never fewer than
 * R − maxUnavailable available pods).
 */
export function calculateCanaryTargets(input: CanaryTargetInput): CanaryTargets {
  const { replicas, weight, maxWeight, fenceposts, newRS, stableRS, otherSpecTotal } = input;
  const minAvailable = replicas - fenceposts.maxUnavailable;
  const maxTotal = replicas + fenceposts.maxSurge;
  let { canary: desiredNew, stable: desiredStable } = approximateWeightedCounts(
    replicas,
    weight,
    maxWeight,
    fenceposts.maxSurge,
  );
  let newCount = newRS.spec;
  let stableCount = stableRS === undefined ? 0 : stableRS.spec;
  if (stableRS === undefined) {
    desiredNew = replicas;
    desiredStable = 0;
  }
  let scaleUpBudget = maxTotal - (otherSpecTotal + newRS.spec + (stableRS?.spec ?? 0));
  // Stable first: an aborted or rolled-back canary must restore capacity before anything else.
  if (stableRS !== undefined && stableRS.spec < desiredStable && scaleUpBudget > 0) {
    stableCount = Math.min(desiredStable, stableRS.spec + scaleUpBudget);
    scaleUpBudget -= stableCount - stableRS.spec;
  }
  if (newRS.spec < desiredNew && scaleUpBudget > 0) {
    newCount = Math.min(desiredNew, newRS.spec + scaleUpBudget);
  }
  // Other RSs are drained (§4.11) before new or stable shrink.
  if (otherSpecTotal > 0) return { newReplicas: newCount, stableReplicas: stableCount };

  const increasing = desiredNew >= newRS.spec;
  const countable = (rs: ReplicaCounts, ignoreAvailability: boolean) =>
    rs.spec < rs.available || ignoreAvailability ? rs.spec : rs.available;
  const pool =
    countable(newRS, !increasing) + (stableRS === undefined ? 0 : countable(stableRS, increasing));
  if (pool <= minAvailable) return { newReplicas: newCount, stableReplicas: stableCount };
  const scaleDownBudget = pool - minAvailable;

  const fit = (
    decreasing: ReplicaCounts,
    other: ReplicaCounts,
    decreasingCount: number,
    otherCount: number,
  ): [number, number] => {
    let dc = decreasingCount;
    let ac = otherCount;
    const over = Math.max(0, ac + dc - maxTotal);
    let total = Math.min(decreasing.available, dc);
    ac -= over;
    total += Math.min(other.available, ac);
    ac += Math.min(Math.max(0, other.available - ac), Math.max(0, minAvailable - total));
    dc -= Math.max(0, ac + dc - maxTotal);
    return [dc, ac];
  };

  if (!increasing) {
    if (newRS.spec > desiredNew) newCount = Math.max(desiredNew, newRS.spec - scaleDownBudget);
    if (stableRS !== undefined)
      [newCount, stableCount] = fit(newRS, stableRS, newCount, stableCount);
  } else if (stableRS !== undefined) {
    if (stableRS.spec > desiredStable) {
      stableCount = Math.max(desiredStable, stableRS.spec - scaleDownBudget);
    }
    [stableCount, newCount] = fit(stableRS, newRS, stableCount, newCount);
  }
  return { newReplicas: newCount, stableReplicas: stableCount };
}

export interface OtherReplicaSetCounts extends ReplicaCounts {
  name: string;
  revision: number;
}

/**
 * spec §4.11 (basic canary): other RSs are first cut to what is available, then shrunk newest
 * revision first within the availability budget Σavailable(all) − (R − maxUnavailable).
 * Returns the new spec.replicas for each RS that changes.
 */
export function scaleDownOtherReplicaSets(
  others: readonly OtherReplicaSetCounts[],
  totalAvailable: number,
  replicas: number,
  maxUnavailable: number,
): Map<string, number> {
  const result = new Map<string, number>();
  let anyCut = false;
  for (const rs of others) {
    if (rs.spec > rs.available) {
      result.set(rs.name, rs.available);
      anyCut = true;
    }
  }
  if (anyCut) return result;
  let budget = totalAvailable - (replicas - maxUnavailable);
  if (budget <= 0) return result;
  const byRevisionDesc = [...others].sort((a, b) => b.revision - a.revision);
  for (const rs of byRevisionDesc) {
    if (budget <= 0) break;
    if (rs.spec === 0) continue;
    const size = Math.max(0, rs.spec - budget);
    budget -= rs.spec - size;
    result.set(rs.name, size);
  }
  return result;
}
