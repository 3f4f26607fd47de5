// Ephemeral metadata (spec §7.9) and the injected anti-affinity term (spec §7.8): what the
// controller adds to a ReplicaSet's pod template on top of the user's template.
import type { AntiAffinity } from "../api/rollout.js";
import type { PlanBuilder, RolloutContext } from "./context.js";
import { canonicalJson } from "./hash.js";
import { EPHEMERAL_METADATA_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from "./keys.js";
import type { ReplicaSetLike } from "./observed.js";
import type { KeyChanges } from "./plan-types.js";
import { injectedMetadataKeys, rsHash, rsName } from "./replicasets.js";

export interface EphemeralMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const EMPTY: EphemeralMetadata = { labels: {}, annotations: {} };

export function toEphemeral(
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
): EphemeralMetadata {
  return { labels: { ...(meta?.labels ?? {}) }, annotations: { ...(meta?.annotations ?? {}) } };
}

/** Which metadata each role gets: canary/preview for the new side, stable/active for the other. */
export function ephemeralFor(ctx: RolloutContext): {
  newSide: EphemeralMetadata;
  stableSide: EphemeralMetadata;
} {
  const { canary, blueGreen } = ctx.rollout.spec.strategy;
  if (canary !== undefined) {
    return {
      newSide: toEphemeral(canary.canaryMetadata),
      stableSide: toEphemeral(canary.stableMetadata),
    };
  }
  return {
    newSide: toEphemeral(blueGreen?.previewMetadata),
    stableSide: toEphemeral(blueGreen?.activeMetadata),
  };
}

function diffKeys(
  current: Record<string, string>,
  currentInjected: readonly string[],
  desired: Record<string, string>,
  userTemplate: Record<string, string>,
): KeyChanges {
  const changes: KeyChanges = {};
  for (const key of currentInjected) {
    if (key === POD_TEMPLATE_HASH_LABEL || key in desired) continue;
    // A removed injection falls back to the user's own value, if the template has one.
    const userValue = userTemplate[key];
    if (userValue !== undefined) {
      if (current[key] !== userValue) changes[key] = userValue;
    } else if (current[key] !== undefined) {
      changes[key] = null;
    }
  }
  for (const [key, value] of Object.entries(desired)) {
    if (key === POD_TEMPLATE_HASH_LABEL) continue;
    if (current[key] !== value) changes[key] = value;
  }
  return changes;
}

/**
 * spec §7.9: bring one RS's injected metadata to `desired`: its pod template, the annotation
 * that remembers the injected keys, and the running pods (patched in place).
 */
function syncOne(
  ctx: RolloutContext,
  b: PlanBuilder,
  rs: ReplicaSetLike,
  desired: EphemeralMetadata,
): void {
  const injected = injectedMetadataKeys(rs);
  const template = rs.spec?.template?.metadata;
  const userLabels = ctx.template.metadata?.labels ?? {};
  const userAnnotations = ctx.template.metadata?.annotations ?? {};
  const labelChanges = diffKeys(
    template?.labels ?? {},
    injected.labels,
    desired.labels,
    userLabels,
  );
  const annotationChanges = diffKeys(
    template?.annotations ?? {},
    injected.annotations,
    desired.annotations,
    userAnnotations,
  );
  const hasDesired =
    Object.keys(desired.labels).length > 0 || Object.keys(desired.annotations).length > 0;
  const record = hasDesired ? canonicalJson(desired) : null;
  const currentRecord = rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION] ?? null;
  const recordChanged = record !== currentRecord && !(record === null && currentRecord === null);
  if (
    Object.keys(labelChanges).length === 0 &&
    Object.keys(annotationChanges).length === 0 &&
    !recordChanged
  )
    return;
  b.actions.push({
    kind: "updateReplicaSet",
    name: rsName(rs),
    ...(recordChanged ? { annotations: { [EPHEMERAL_METADATA_ANNOTATION]: record } } : {}),
    ...(Object.keys(labelChanges).length > 0 ? { templateLabels: labelChanges } : {}),
    ...(Object.keys(annotationChanges).length > 0
      ? { templateAnnotations: annotationChanges }
      : {}),
  });
  const hash = rsHash(rs);
  if (
    hash !== undefined &&
    (Object.keys(labelChanges).length > 0 || Object.keys(annotationChanges).length > 0)
  ) {
    b.actions.push({
      kind: "patchPodMetadata",
      podTemplateHash: hash,
      labels: labelChanges,
      annotations: annotationChanges,
    });
  }
}

/** spec §7.9, every pass. `fullyRolledOut`: the new RS is also the stable/active one. */
export function reconcileEphemeralMetadata(
  ctx: RolloutContext,
  b: PlanBuilder,
  fullyRolledOut: boolean,
  stableSideRS: ReplicaSetLike | undefined,
): void {
  const { newSide, stableSide } = ephemeralFor(ctx);
  if (ctx.newRS !== undefined) syncOne(ctx, b, ctx.newRS, fullyRolledOut ? stableSide : newSide);
  if (stableSideRS !== undefined && stableSideRS !== ctx.newRS)
    syncOne(ctx, b, stableSideRS, stableSide);
  for (const rs of ctx.otherRSs) {
    if (rs === stableSideRS) continue;
    if (rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION] !== undefined)
      syncOne(ctx, b, rs, EMPTY);
  }
}

/** Metadata a brand-new RS starts with (§7.9). */
export function initialEphemeral(
  ctx: RolloutContext,
  differentStableExists: boolean,
): EphemeralMetadata {
  const { newSide, stableSide } = ephemeralFor(ctx);
  return differentStableExists ? newSide : stableSide;
}

/** spec §7.8: the term keeping new pods off nodes that run the stable RS's pods. */
export function antiAffinityTerm(
  ctx: RolloutContext,
  antiAffinity: AntiAffinity,
  stableHash: string,
): {
  key:
    | "preferredDuringSchedulingIgnoredDuringExecution"
    | "requiredDuringSchedulingIgnoredDuringExecution";
  term: Record<string, unknown>;
} {
  const podAffinityTerm = {
    labelSelector: {
      matchExpressions: [{ key: POD_TEMPLATE_HASH_LABEL, operator: "In", values: [stableHash] }],
    },
    namespaces: [ctx.namespace],
    topologyKey: "kubernetes.io/hostname",
  };
  const preferred = antiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  if (preferred !== undefined) {
    return {
      key: "preferredDuringSchedulingIgnoredDuringExecution",
      term: { weight: preferred.weight, podAffinityTerm },
    };
  }
  return { key: "requiredDuringSchedulingIgnoredDuringExecution", term: podAffinityTerm };
}

/**
 * The full `affinity` of a new-side pod template: the user's rules plus the injected term,
 * or undefined when no term applies (no antiAffinity, or no different stable RS).
 */
export function desiredAffinity(
  ctx: RolloutContext,
  stableHash: string | undefined,
): Record<string, unknown> | undefined {
  const strategy = ctx.rollout.spec.strategy;
  const antiAffinity = strategy.canary?.antiAffinity ?? strategy.blueGreen?.antiAffinity;
  if (antiAffinity === undefined || stableHash === undefined || stableHash === ctx.newHash)
    return undefined;
  const { key, term } = antiAffinityTerm(ctx, antiAffinity, stableHash);
  const userSpec = (ctx.template.spec ?? {}) as { affinity?: Record<string, unknown> };
  const userAffinity = userSpec.affinity ?? {};
  const userAnti = (userAffinity.podAntiAffinity ?? {}) as Record<string, unknown[] | undefined>;
  return {
    ...userAffinity,
    podAntiAffinity: { ...userAnti, [key]: [...(userAnti[key] ?? []), term] },
  };
}

/** §7.8: "updated when stable hash changes" — re-point the injected term of the new RS. */
export function reconcileAntiAffinity(
  ctx: RolloutContext,
  b: PlanBuilder,
  stableHash: string | undefined,
): void {
  if (ctx.newRS === undefined) return;
  const desired = desiredAffinity(ctx, stableHash);
  if (desired === undefined) return;
  const current = (ctx.newRS.spec?.template?.spec ?? {}) as { affinity?: unknown };
  if (canonicalJson(current.affinity ?? null) === canonicalJson(desired)) return;
  b.actions.push({ kind: "updateReplicaSet", name: rsName(ctx.newRS), affinity: desired });
}
