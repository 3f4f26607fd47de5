// Reading ReplicaSets and building new ones. spec/rollout-behavior.md §3.1 step 2, §7.1, §7.2.
import type { LabelSelector } from "../api/common.js";
import type { Rollout } from "../api/rollout.js";
import { canonicalJson, computeHash } from "./hash.js";
import {
  ANNOTATIONS_NOT_COPIED,
  DESIRED_REPLICAS_ANNOTATION,
  EPHEMERAL_METADATA_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
} from "./keys.js";
import type { PodTemplateLike, ReplicaSetLike, Timestamp } from "./observed.js";
import type { ReplicaSetManifest } from "./plan-types.js";

export const rsName = (rs: ReplicaSetLike): string => rs.metadata?.name ?? "";
export const rsHash = (rs: ReplicaSetLike): string | undefined =>
  rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
export const specReplicas = (rs: ReplicaSetLike | undefined): number => rs?.spec?.replicas ?? 0;
export const statusReplicas = (rs: ReplicaSetLike | undefined): number => rs?.status?.replicas ?? 0;
export const availableReplicas = (rs: ReplicaSetLike | undefined): number =>
  rs?.status?.availableReplicas ?? 0;
export const readyReplicas = (rs: ReplicaSetLike | undefined): number =>
  rs?.status?.readyReplicas ?? 0;

export function revisionOf(rs: ReplicaSetLike | undefined): number {
  const text = rs?.metadata?.annotations?.[REVISION_ANNOTATION];
  const value = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : 0;
}

export function timestampMillis(value: Timestamp | undefined): number | undefined {
  if (value === undefined) return undefined;
  const millis = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(millis) ? millis : undefined;
}

export const createdAtMillis = (rs: ReplicaSetLike): number =>
  timestampMillis(rs.metadata?.creationTimestamp) ?? 0;

/** Oldest first; ties by name so the order is deterministic. */
export function byCreation(a: ReplicaSetLike, b: ReplicaSetLike): number {
  const diff = createdAtMillis(a) - createdAtMillis(b);
  if (diff !== 0) return diff;
  return rsName(a) < rsName(b) ? -1 : rsName(a) > rsName(b) ? 1 : 0;
}

/** The Rollout's pod template hash for the current collision count (spec §7.1). */
export function podTemplateHash(
  template: PodTemplateLike | undefined,
  collisionCount: number | undefined,
): string {
  return computeHash(template ?? {}, collisionCount);
}

function withoutKeys(
  map: Record<string, string> | undefined,
  drop: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) if (!drop.has(key)) out[key] = value;
  return out;
}

/** Keys the controller injected into an RS's pod template as ephemeral metadata (§7.9). */
export function injectedMetadataKeys(rs: ReplicaSetLike): {
  labels: string[];
  annotations: string[];
} {
  const raw = rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION];
  if (raw === undefined) return { labels: [], annotations: [] };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return { labels: [], annotations: [] };
    const record = parsed as Record<string, unknown>;
    const keys = (value: unknown) =>
      typeof value === "object" && value !== null
        ? Object.keys(value as Record<string, unknown>)
        : [];
    return { labels: keys(record.labels), annotations: keys(record.annotations) };
  } catch {
    return { labels: [], annotations: [] };
  }
}

/**
 * An RS template with everything the controller adds removed: the hash label, ephemeral
 * metadata and the injected anti-affinity term (§3.1 step 2's semantic-equality fallback).
 */
export function userTemplateOf(rs: ReplicaSetLike): unknown {
  const template = rs.spec?.template ?? {};
  const injected = injectedMetadataKeys(rs);
  const labels = withoutKeys(
    template.metadata?.labels,
    new Set([POD_TEMPLATE_HASH_LABEL, ...injected.labels]),
  );
  const annotations = withoutKeys(template.metadata?.annotations, new Set(injected.annotations));
  const spec = stripInjectedAntiAffinity(template.spec as Record<string, unknown> | undefined);
  return {
    ...template,
    metadata: {
      ...template.metadata,
      labels: Object.keys(labels).length > 0 ? labels : undefined,
      annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    },
    spec,
  };
}

function isInjectedTerm(term: unknown): boolean {
  const podTerm =
    typeof term === "object" && term !== null && "podAffinityTerm" in term
      ? (term as { podAffinityTerm: unknown }).podAffinityTerm
      : term;
  const expressions = (
    podTerm as { labelSelector?: { matchExpressions?: Array<{ key?: string }> } } | undefined
  )?.labelSelector?.matchExpressions;
  return Array.isArray(expressions) && expressions.some((e) => e.key === POD_TEMPLATE_HASH_LABEL);
}

function stripInjectedAntiAffinity(
  spec: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const affinity = spec?.affinity as Record<string, unknown> | undefined;
  const anti = affinity?.podAntiAffinity as Record<string, unknown[] | undefined> | undefined;
  if (spec === undefined || affinity === undefined || anti === undefined) return spec;
  const cleanedAnti: Record<string, unknown[]> = {};
  for (const [key, terms] of Object.entries(anti)) {
    const kept = (terms ?? []).filter((term) => !isInjectedTerm(term));
    if (kept.length > 0) cleanedAnti[key] = kept;
  }
  const cleanedAffinity: Record<string, unknown> = { ...affinity, podAntiAffinity: undefined };
  if (Object.keys(cleanedAnti).length > 0) cleanedAffinity.podAntiAffinity = cleanedAnti;
  const hasAny = Object.values(cleanedAffinity).some((v) => v !== undefined);
  return { ...spec, affinity: hasAny ? cleanedAffinity : undefined };
}

function templateEquals(rs: ReplicaSetLike, template: PodTemplateLike): boolean {
  return canonicalJson(userTemplateOf(rs)) === canonicalJson(template);
}

/**
 * spec §3.1 step 2: the new RS carries the current hash label; failing that, an RS whose
 * template equals the Rollout's once the controller's injections are removed.
 */
export function findNewReplicaSet(
  replicaSets: readonly ReplicaSetLike[],
  template: PodTemplateLike,
  hash: string,
): ReplicaSetLike | undefined {
  const live = replicaSets.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  return (
    live.find((rs) => rsHash(rs) === hash && rsName(rs) !== "") ??
    [...live].sort(byCreation).find((rs) => templateEquals(rs, template))
  );
}

export function findStableReplicaSet(
  replicaSets: readonly ReplicaSetLike[],
  stableHash: string | undefined,
): ReplicaSetLike | undefined {
  if (stableHash === undefined || stableHash === "") return undefined;
  return replicaSets.find(
    (rs) => rsHash(rs) === stableHash && rs.metadata?.deletionTimestamp === undefined,
  );
}

/** Label selector as a string (`a=b,c in (d)`) for status.selector (spec §2.1). */
export function selectorString(selector: LabelSelector | undefined): string {
  if (selector === undefined) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    parts.push(`${key}=${value}`);
  }
  for (const expression of selector.matchExpressions ?? []) {
    const values = [...(expression.values ?? [])].sort().join(",");
    switch (expression.operator) {
      case "In":
        parts.push(`${expression.key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${expression.key} notin (${values})`);
        break;
      case "Exists":
        parts.push(expression.key);
        break;
      case "DoesNotExist":
        parts.push(`!${expression.key}`);
        break;
      default:
        break;
    }
  }
  return parts.join(",");
}

/** Next revision number: one more than any existing RS's (spec §7.2). */
export function nextRevision(
  replicaSets: readonly ReplicaSetLike[],
  exclude?: ReplicaSetLike,
): number {
  let max = 0;
  for (const rs of replicaSets) if (rs !== exclude) max = Math.max(max, revisionOf(rs));
  return max + 1;
}

/** Rollout annotations carried onto a new RS (spec §7.2). */
export function copiedAnnotations(rollout: Rollout): Record<string, string> {
  return withoutKeys(rollout.metadata.annotations, ANNOTATIONS_NOT_COPIED);
}

export interface NewReplicaSetInput {
  rollout: Rollout;
  template: PodTemplateLike;
  selector: LabelSelector;
  hash: string;
  revision: number;
  replicas: number;
  /** Template labels/annotations to inject (ephemeral metadata), already decided by the caller. */
  ephemeral: { labels: Record<string, string>; annotations: Record<string, string> } | undefined;
  /** Complete affinity to set on the pod spec (with the anti-affinity term), or undefined to keep. */
  affinity: Record<string, unknown> | undefined;
}

/** spec §7.1: `<rollout>-<hash>`, owner reference, hash label everywhere, replicas 0. */
export function buildNewReplicaSet(input: NewReplicaSetInput): ReplicaSetManifest {
  const { rollout, template, selector, hash, revision, replicas, ephemeral, affinity } = input;
  const name = rollout.metadata.name ?? "";
  const templateLabels = {
    ...(template.metadata?.labels ?? {}),
    ...(ephemeral?.labels ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: hash,
  };
  const templateAnnotations = {
    ...(template.metadata?.annotations ?? {}),
    ...(ephemeral?.annotations ?? {}),
  };
  const annotations: Record<string, string> = {
    ...copiedAnnotations(rollout),
    [REVISION_ANNOTATION]: String(revision),
    [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
  };
  if (
    ephemeral !== undefined &&
    (Object.keys(ephemeral.labels).length > 0 || Object.keys(ephemeral.annotations).length > 0)
  ) {
    annotations[EPHEMERAL_METADATA_ANNOTATION] = canonicalJson(ephemeral);
  }
  const podSpec: Record<string, unknown> = {
    ...((template.spec as Record<string, unknown> | undefined) ?? {}),
  };
  if (affinity !== undefined) podSpec.affinity = affinity;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${name}-${hash}`,
      namespace: rollout.metadata.namespace ?? "default",
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      annotations,
      ownerReferences: [
        {
          apiVersion: rollout.apiVersion,
          kind: rollout.kind,
          name,
          uid: rollout.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: 0,
      minReadySeconds: rollout.spec.minReadySeconds ?? 0,
      selector: {
        ...selector,
        matchLabels: { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      },
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          labels: templateLabels,
          ...(Object.keys(templateAnnotations).length > 0
            ? { annotations: templateAnnotations }
            : {}),
        },
        spec: podSpec,
      },
    },
  };
}
