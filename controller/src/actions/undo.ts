// undo [--to-revision N]: put the pod template of an earlier revision back into the Rollout,
// with the original plugin's JSON patch (replace /spec/template and /metadata/annotations).
import type { PodTemplateSpec } from "../api/common.js";
import {
  ANNOTATION_EPHEMERAL_METADATA,
  ANNOTATION_LAST_APPLIED,
  ANNOTATION_NOTIFIED,
  ANNOTATION_REVISION,
  ANNOTATION_SCALE_DOWN_DEADLINE,
  LABEL_POD_TEMPLATE_HASH,
} from "../api/labels.js";
import type { Rollout } from "../api/rollout.js";
import { ActionError, type ActionPlan } from "./types.js";

/**
 * Annotations the controller (or kubectl) owns: the Rollout keeps its own values and the
 * revision's ReplicaSet does not contribute any. Every other annotation comes from the RS,
 * which carries the Rollout's annotations as they were at that revision (spec §7.2).
 */
function controllerOwned(key: string): boolean {
  return (
    key === ANNOTATION_LAST_APPLIED ||
    key === ANNOTATION_NOTIFIED ||
    key === ANNOTATION_SCALE_DOWN_DEADLINE ||
    key.startsWith("rollout.argoproj.io/") ||
    key.startsWith("experiment.argoproj.io/")
  );
}

type Json = Record<string, unknown>;

function rec(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function strings(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rec(v) ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

export interface RevisionReplicaSet {
  name: string;
  revision: number;
  template: PodTemplateSpec;
  annotations: Record<string, string>;
}

/** ReplicaSets controlled by the Rollout that carry a revision annotation. */
export function revisionReplicaSets(
  rollout: Rollout,
  replicaSets: readonly unknown[],
): RevisionReplicaSet[] {
  const out: RevisionReplicaSet[] = [];
  for (const rs of replicaSets) {
    const meta = rec(rec(rs)?.metadata);
    const owners = Array.isArray(meta?.ownerReferences) ? meta.ownerReferences : [];
    const owned = owners.some((o) => {
      const ref = rec(o);
      if (ref?.controller !== true || ref.kind !== "Rollout") return false;
      return rollout.metadata.uid !== undefined
        ? ref.uid === rollout.metadata.uid
        : ref.name === rollout.metadata.name;
    });
    if (!owned) continue;
    const annotations = strings(meta?.annotations);
    const revisionText = annotations[ANNOTATION_REVISION];
    if (revisionText === undefined || !/^\d+$/.test(revisionText)) continue;
    const template = rec(rec(rec(rs)?.spec)?.template);
    if (template === undefined) continue;
    out.push({
      name: typeof meta?.name === "string" ? meta.name : "",
      revision: Number.parseInt(revisionText, 10),
      template: template as PodTemplateSpec,
      annotations,
    });
  }
  return out;
}

/** toRevision 0 = the revision before the latest one (as `kubectl rollout undo`). */
export function findRevision(
  rollout: Rollout,
  sets: readonly RevisionReplicaSet[],
  toRevision: number,
): RevisionReplicaSet {
  if (toRevision > 0) {
    const found = sets.find((s) => s.revision === toRevision);
    if (found === undefined)
      throw new ActionError(`unable to find specified revision ${toRevision} in history`);
    return found;
  }
  const sorted = [...sets].sort((a, b) => b.revision - a.revision);
  const previous = sorted[1];
  if (previous === undefined)
    throw new ActionError(`no revision found for rollout "${rollout.metadata.name ?? ""}"`);
  return previous;
}

/**
 * The user's template as it was: without the pod-template-hash label and without the
 * ephemeral labels/annotations the controller injected (recorded on the RS, spec §7.9).
 */
export function restoredTemplate(rs: RevisionReplicaSet): PodTemplateSpec {
  const template = structuredClone(rs.template);
  const injected = rec(safeJson(rs.annotations[ANNOTATION_EPHEMERAL_METADATA]));
  const meta = template.metadata;
  if (meta !== undefined) {
    const labels = { ...(meta.labels ?? {}) };
    delete labels[LABEL_POD_TEMPLATE_HASH];
    for (const key of Object.keys(strings(injected?.labels))) delete labels[key];
    meta.labels = labels;
    if (meta.annotations !== undefined) {
      const annotations = { ...meta.annotations };
      for (const key of Object.keys(strings(injected?.annotations))) delete annotations[key];
      meta.annotations = annotations;
    }
  }
  return template;
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON with sorted keys, so that equal templates compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const r = rec(v);
  if (r !== undefined) {
    return `{${Object.keys(r)
      .filter((k) => r[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(r[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  if (template?.metadata?.labels === undefined) return template;
  const copy = structuredClone(template);
  if (copy.metadata?.labels !== undefined) delete copy.metadata.labels[LABEL_POD_TEMPLATE_HASH];
  return copy;
}

export function undo(
  rollout: Rollout,
  replicaSets: readonly unknown[],
  toRevision = 0,
): ActionPlan {
  if (!Number.isInteger(toRevision) || toRevision < 0) {
    throw new ActionError(`revision must be a non-negative integer, got ${toRevision}`);
  }
  if (rollout.spec.workloadRef !== undefined) {
    throw new ActionError(
      `rollout '${rollout.metadata.name ?? ""}' takes its pod template from spec.workloadRef: undo the change on the referenced ${rollout.spec.workloadRef.kind ?? "workload"}`,
    );
  }
  const target = findRevision(rollout, revisionReplicaSets(rollout, replicaSets), toRevision);
  const template = restoredTemplate(target);
  if (canonical(withoutHash(rollout.spec.template)) === canonical(template)) {
    return {
      patches: [],
      message: `skipped rollback (current template already matches revision ${target.revision})`,
    };
  }
  const current = rollout.metadata.annotations ?? {};
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(current)) {
    if (controllerOwned(key)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(target.annotations)) {
    if (!controllerOwned(key)) annotations[key] = value;
  }
  return {
    patches: [
      {
        patchType: "json",
        body: [
          { op: "replace", path: "/spec/template", value: template },
          { op: "replace", path: "/metadata/annotations", value: annotations },
        ],
      },
    ],
  };
}
