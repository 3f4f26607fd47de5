// Cross-cutting chores of a pass: restart (spec §7.7), history cleanup (§7.3) and Service
// selectors (§5.5).
import { revisionHistoryLimitOrDefault } from "../api/defaults.js";
import type { RolloutStatus } from "../api/rollout.js";
import type { PlanBuilder, RolloutContext } from "./context.js";
import { EventReason, MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from "./keys.js";
import type { ReplicaSetLike } from "./observed.js";
import {
  availableReplicas,
  byCreation,
  rsHash,
  rsName,
  specReplicas,
  statusReplicas,
  timestampMillis,
} from "./replicasets.js";

/** Whether a restart is due, so the caller must supply pods in Observed (spec §7.7). */
export function restartPending(
  ctx: Pick<RolloutContext, "rollout" | "now">,
  status: RolloutStatus,
): boolean {
  const restartAt = ctx.rollout.spec.restartAt;
  if (restartAt === undefined || restartAt === status.restartedAt) return false;
  const at = timestampMillis(restartAt);
  return at !== undefined && at <= ctx.now.getTime();
}

export const RESTART_REQUEUE_SECONDS = 30;

/**
 * spec §7.7: evict pods created before restartAt, within the availability budget
 * available − (max(R, Σspec) − max(maxUnavailable, 1)). Returns true when pods were evicted
 * (a canary pass then stops). Writes restartedAt once no old pod is left.
 */
export function reconcileRestart(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
  maxUnavailable: number,
): boolean {
  const restartAt = ctx.rollout.spec.restartAt;
  if (restartAt === undefined || restartAt === status.restartedAt) return false;
  const restartMillis = timestampMillis(restartAt);
  if (restartMillis === undefined) return false;
  if (restartMillis > ctx.now.getTime()) {
    b.requeue((restartMillis - ctx.now.getTime()) / 1000);
    return false;
  }
  const pods = ctx.observed.pods;
  if (pods === undefined) {
    // The executor supplies pods whenever restartPending() says so; without them, look again.
    b.requeue(RESTART_REQUEUE_SECONDS);
    return false;
  }
  const hashes = new Set(ctx.allRSs.filter((rs) => specReplicas(rs) > 0).map(rsHash));
  const stale = pods
    .filter((pod) => {
      const hash = pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
      const created = timestampMillis(pod.metadata?.creationTimestamp);
      return (
        hash !== undefined && hashes.has(hash) && created !== undefined && created < restartMillis
      );
    })
    .sort((a, c) => (a.metadata?.name ?? "").localeCompare(c.metadata?.name ?? ""));
  if (stale.length === 0) {
    status.restartedAt = restartAt;
    return false;
  }
  // ReplicaSet status lags behind evictions the previous pass sent (its status write wakes
  // the next pass within milliseconds): count only pods that are ready and not going away,
  // whichever is lower, so two quick passes never take more than maxUnavailable together.
  const readyPods = pods.filter(
    (pod) =>
      pod.metadata?.deletionTimestamp === undefined &&
      hashes.has(pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]) &&
      (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
  const available = Math.min(
    readyPods,
    ctx.allRSs.reduce((sum, rs) => sum + availableReplicas(rs), 0),
  );
  const specTotal = ctx.allRSs.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const budget = available - (Math.max(ctx.replicas, specTotal) - Math.max(maxUnavailable, 1));
  b.requeue(RESTART_REQUEUE_SECONDS);
  if (budget <= 0) return false;
  for (const pod of stale.slice(0, budget)) {
    b.actions.push({ kind: "evictPod", name: pod.metadata?.name ?? "" });
  }
  return true;
}

/**
 * spec §7.3: other RSs beyond revisionHistoryLimit are deleted, oldest first, once they are
 * fully scaled down and their status is current.
 */
export function cleanupHistory(
  ctx: RolloutContext,
  b: PlanBuilder,
  referenced: ReadonlySet<ReplicaSetLike>,
): void {
  const limit = revisionHistoryLimitOrDefault(ctx.rollout.spec);
  const candidates = ctx.otherRSs.filter((rs) => !referenced.has(rs)).sort(byCreation);
  let excess = candidates.length - limit;
  for (const rs of candidates) {
    if (excess <= 0) break;
    const observedGeneration = rs.status?.observedGeneration ?? 0;
    const generation = rs.metadata?.generation ?? 0;
    if (specReplicas(rs) !== 0 || statusReplicas(rs) !== 0 || observedGeneration < generation)
      continue;
    b.actions.push({ kind: "deleteReplicaSet", name: rsName(rs), uid: rs.metadata?.uid });
    excess--;
  }
}

/** The hash a Service currently selects, if any. */
export function serviceHash(
  ctx: RolloutContext,
  serviceName: string | undefined,
): string | undefined {
  if (serviceName === undefined || serviceName === "") return undefined;
  return ctx.services.get(serviceName)?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
}

/**
 * spec §5.5: point a Service at an RS. `checkAvailability`: a managed Service switches only to
 * an RS with an available pod, an unmanaged one (being adopted) only to a fully available RS.
 * Returns the hash the Service selects after this pass.
 */
export function ensureServiceTarget(
  ctx: RolloutContext,
  b: PlanBuilder,
  serviceName: string | undefined,
  target: ReplicaSetLike | undefined,
  checkAvailability: boolean,
): string | undefined {
  if (serviceName === undefined || serviceName === "") return undefined;
  const service = ctx.services.get(serviceName);
  const currentHash = service?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
  const targetHash = target === undefined ? undefined : rsHash(target);
  if (service === undefined || target === undefined || targetHash === undefined) return currentHash;
  const managedByUs = service.metadata?.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION] === ctx.name;
  if (currentHash === targetHash && managedByUs) return currentHash;
  if (checkAvailability && currentHash !== targetHash) {
    const managed = service.metadata?.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION] !== undefined;
    const available = availableReplicas(target);
    const ready = managed ? available > 0 : available >= specReplicas(target) && available > 0;
    if (!ready) return currentHash;
  }
  b.actions.push({
    kind: "setServiceSelector",
    service: serviceName,
    podTemplateHash: targetHash,
    rollout: ctx.name,
  });
  if (currentHash !== targetHash) {
    b.event(
      "Normal",
      EventReason.SwitchService,
      `Switched selector for service '${serviceName}' from '${currentHash ?? ""}' to '${targetHash}'`,
    );
  }
  return targetHash;
}
