// One pass's view of a Rollout (derived once from Observed) and the accumulator the planner
// modules write their decisions into. Both live only for the duration of one plan() call.
import type { LabelSelector } from "../api/common.js";
import { replicasOrDefault } from "../api/defaults.js";
import type { Rollout, RolloutStatus } from "../api/rollout.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  EventReason,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from "./keys.js";
import type { Observed, PodTemplateLike, ReplicaSetLike, ServiceLike } from "./observed.js";
import type { KeyChanges, PlanAction, PlanEvent } from "./plan-types.js";
import { revisionOf, rsName, specReplicas } from "./replicasets.js";

export interface RolloutContext {
  observed: Observed;
  rollout: Rollout;
  name: string;
  namespace: string;
  now: Date;
  nowIso: string;
  /** spec.replicas (R). */
  replicas: number;
  template: PodTemplateLike;
  selector: LabelSelector;
  /** Status at the start of the pass (never mutated). */
  previous: RolloutStatus;
  newHash: string;
  /** The RS whose template is the current one; undefined only before it is created. */
  newRS: ReplicaSetLike | undefined;
  /** The RS named by status.stableRS; may be the same object as newRS. */
  stableRS: ReplicaSetLike | undefined;
  /** Neither new nor stable. */
  otherRSs: ReplicaSetLike[];
  allRSs: readonly ReplicaSetLike[];
  services: ReadonlyMap<string, ServiceLike>;
}

export const isoSeconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** Collects actions, events and the timer of one pass. */
export class PlanBuilder {
  readonly actions: PlanAction[] = [];
  readonly events: PlanEvent[] = [];
  requeueAfterSeconds: number | undefined;
  /** RS sizes as this pass leaves them (name → spec.replicas). */
  private readonly scaled = new Map<string, number>();

  constructor(private readonly ctx: Pick<RolloutContext, "replicas">) {}

  event(type: PlanEvent["type"], reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }

  /** Ask for another pass after `seconds` (the earliest request wins). */
  requeue(seconds: number): void {
    const value = Math.max(0, Math.ceil(seconds));
    if (this.requeueAfterSeconds === undefined || value < this.requeueAfterSeconds)
      this.requeueAfterSeconds = value;
  }

  /** Replicas an RS will have after this pass. */
  replicasAfter(rs: ReplicaSetLike): number {
    return this.scaled.get(rsName(rs)) ?? specReplicas(rs);
  }

  /** True when this pass already changes the size of some RS. */
  get hasScaled(): boolean {
    return this.scaled.size > 0;
  }

  /**
   * spec §7.2: every scale also writes `desired-replicas: R`; a stray scale-down deadline is
   * removed from an RS that is being kept (extra annotation changes may be passed).
   */
  scale(rs: ReplicaSetLike, replicas: number, extraAnnotations: KeyChanges = {}): boolean {
    const current = specReplicas(rs);
    const desiredAnnotation = String(this.ctx.replicas);
    const annotations: KeyChanges = { ...extraAnnotations };
    if (rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== desiredAnnotation) {
      annotations[DESIRED_REPLICAS_ANNOTATION] = desiredAnnotation;
    }
    if (current === replicas && Object.keys(annotations).length === 0) return false;
    this.actions.push({
      kind: "updateReplicaSet",
      name: rsName(rs),
      ...(current !== replicas ? { replicas } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    });
    if (current !== replicas) {
      this.scaled.set(rsName(rs), replicas);
      const direction = replicas > current ? "up" : "down";
      this.event(
        "Normal",
        EventReason.ScalingReplicaSet,
        `Scaled ${direction} ReplicaSet ${rsName(rs)} (revision ${revisionOf(rs)}) from ${current} to ${replicas}`,
      );
    }
    return current !== replicas;
  }

  /** Scale to zero, dropping a scale-down deadline that has served its purpose. */
  scaleToZero(rs: ReplicaSetLike): boolean {
    const hasDeadline = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined;
    return this.scale(rs, 0, hasDeadline ? { [SCALE_DOWN_DEADLINE_ANNOTATION]: null } : {});
  }

  annotate(rs: ReplicaSetLike, annotations: KeyChanges): void {
    const changes: KeyChanges = {};
    for (const [key, value] of Object.entries(annotations)) {
      const existing = rs.metadata?.annotations?.[key];
      if ((value === null && existing !== undefined) || (value !== null && existing !== value))
        changes[key] = value;
    }
    if (Object.keys(changes).length > 0) {
      this.actions.push({ kind: "updateReplicaSet", name: rsName(rs), annotations: changes });
    }
  }
}

export function buildContext(
  observed: Observed,
  now: Date,
  template: PodTemplateLike,
  selector: LabelSelector,
  newHash: string,
  newRS: ReplicaSetLike | undefined,
  stableRS: ReplicaSetLike | undefined,
): RolloutContext {
  const { rollout } = observed;
  const live = observed.replicaSets.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  return {
    observed,
    rollout,
    name: rollout.metadata.name ?? "",
    namespace: rollout.metadata.namespace ?? "default",
    now,
    nowIso: isoSeconds(now),
    replicas: replicasOrDefault(rollout.spec),
    template,
    selector,
    previous: rollout.status ?? {},
    newHash,
    newRS,
    stableRS,
    otherRSs: live.filter((rs) => rs !== newRS && rs !== stableRS),
    allRSs: live,
    services: observed.services,
  };
}
