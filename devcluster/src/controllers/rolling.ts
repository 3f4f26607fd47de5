/** Pure arithmetic of a Deployment rolling update (Kubernetes' deployment controller rules). */

export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+%$/.test(value)) {
    const exact = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return 0;
}

export interface RollingLimits {
  maxSurge: number;
  maxUnavailable: number;
}

export function rollingLimits(
  replicas: number,
  maxSurge: unknown,
  maxUnavailable: unknown,
): RollingLimits {
  const surge = resolveIntOrPercent(maxSurge ?? "25%", replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable ?? "25%", replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

export interface ReplicaSetCounts {
  name: string;
  replicas: number;
  available: number;
}

/** How many replicas the new ReplicaSet may have now. */
export function newReplicaSetTarget(
  replicas: number,
  limits: RollingLimits,
  newRs: ReplicaSetCounts,
  all: ReplicaSetCounts[],
): number {
  if (newRs.replicas > replicas) return replicas;
  const total = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const room = replicas + limits.maxSurge - total;
  if (room <= 0) return newRs.replicas;
  return Math.min(replicas, newRs.replicas + room);
}

/** New replica counts for old ReplicaSets, oldest first, without dropping below minAvailable. */
export function scaleDownOld(
  replicas: number,
  limits: RollingLimits,
  old: ReplicaSetCounts[],
  all: ReplicaSetCounts[],
): Map<string, number> {
  const result = new Map<string, number>();
  const minAvailable = replicas - limits.maxUnavailable;
  const totalAvailable = all.reduce((sum, rs) => sum + rs.available, 0);
  // Unavailable old pods can go at once: removing them costs no availability.
  let budget = totalAvailable - minAvailable;
  for (const rs of old) {
    const unhealthy = Math.max(0, rs.replicas - rs.available);
    let target = rs.replicas - unhealthy;
    const cut = Math.min(target, Math.max(0, budget));
    target -= cut;
    budget -= cut;
    result.set(rs.name, target);
  }
  return result;
}
