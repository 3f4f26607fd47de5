// What `get rollout` shows, computed from the Rollout and the objects it owns, with the
// original's rules for status, step, weights and the revision tree. Pure: no I/O.
import { ANNOTATION_REVISION, LABEL_POD_TEMPLATE_HASH } from "@sluice/controller";
import {
  annotationOf,
  arr,
  at,
  labelOf,
  nameOf,
  num,
  ownedBy,
  rec,
  str,
  timeOf,
  uidOf,
} from "./values.js";

/** One row of the tree: icon and name, kind, status, created time and the INFO column. */
export interface TreeNode {
  icon: string;
  name: string;
  kind: string;
  status?: Status;
  created?: Date;
  info: string;
  children: TreeNode[];
}

export interface Status {
  /** ✔ Healthy, ॥ Paused... */
  icon: string;
  text: string;
  tone: "ok" | "bad" | "warn" | "progress" | "neutral";
}

export interface RolloutInfo {
  name: string;
  namespace: string;
  status: Status;
  message: string;
  strategy: "Canary" | "BlueGreen" | "Unknown";
  step?: string;
  setWeight?: string;
  actualWeight?: string;
  images: string[];
  replicas: { desired: number; current: number; updated: number; ready: number; available: number };
  tree: TreeNode;
}

export const ICONS = {
  rollout: "⟳",
  revision: "#",
  replicaSet: "⧉",
  pod: "□",
  experiment: "Σ",
  analysisRun: "α",
  job: "⊞",
  ok: "✔",
  bad: "✖",
  paused: "॥",
  progressing: "◌",
  warning: "⚠",
  unknown: "?",
  neutral: "•",
} as const;

export function phaseStatus(phase: string): Status {
  switch (phase) {
    case "Healthy":
    case "Successful":
      return { icon: ICONS.ok, text: phase, tone: "ok" };
    case "Degraded":
    case "Failed":
    case "Error":
      return { icon: ICONS.bad, text: phase, tone: "bad" };
    case "Paused":
      return { icon: ICONS.paused, text: phase, tone: "warn" };
    case "Progressing":
    case "Running":
    case "Pending":
      return { icon: ICONS.progressing, text: phase, tone: "progress" };
    case "Inconclusive":
      return { icon: ICONS.unknown, text: phase, tone: "warn" };
    case "ScaledDown":
      return { icon: ICONS.neutral, text: phase, tone: "neutral" };
    default:
      return { icon: ICONS.warning, text: phase === "" ? "Unknown" : phase, tone: "warn" };
  }
}

/**
 * The rollout's status and message: the controller's phase once it has observed the current
 * generation, otherwise Progressing while the update waits to be seen (as the original).
 */
export function rolloutStatus(rollout: unknown): { phase: string; message: string } {
  const generation = num(at(rollout, "metadata", "generation"));
  const observedRaw = at(rollout, "status", "observedGeneration");
  const observed = typeof observedRaw === "string" ? Number(observedRaw) : num(observedRaw);
  if (generation !== undefined && observed !== generation) {
    return { phase: "Progressing", message: "waiting for rollout spec update to be observed" };
  }
  const phase = str(at(rollout, "status", "phase"));
  return {
    phase: phase === undefined || phase === "" ? "Progressing" : phase,
    message: str(at(rollout, "status", "message")) ?? "",
  };
}

function canarySteps(rollout: unknown): unknown[] {
  return arr(at(rollout, "spec", "strategy", "canary", "steps"));
}

/** The weight set by the latest setWeight at or before the current step; 100 when done. */
export function currentSetWeight(rollout: unknown): number {
  const steps = canarySteps(rollout);
  const index = num(at(rollout, "status", "currentStepIndex")) ?? 0;
  if (steps.length === 0 || index >= steps.length) return 100;
  if (at(rollout, "status", "abort") === true) return 0;
  for (let i = index; i >= 0; i--) {
    const weight = num(rec(steps[i]).setWeight);
    if (weight !== undefined) return weight;
  }
  return 0;
}

function rsReplicas(rs: unknown): { desired: number; ready: number; available: number } {
  return {
    desired: num(at(rs, "spec", "replicas")) ?? 0,
    ready: num(at(rs, "status", "readyReplicas")) ?? 0,
    available: num(at(rs, "status", "availableReplicas")) ?? 0,
  };
}

/**
 * The pod-template-hash of the newest ReplicaSet (highest revision). Like the original, which
 * finds the new ReplicaSet by its template, this does not rely on status.currentPodHash,
 * which can lag behind an undo to an earlier revision.
 */
export function newestHash(replicaSets: readonly unknown[]): string | undefined {
  let best: { revision: number; hash: string } | undefined;
  for (const rs of replicaSets) {
    const revision = Number(annotationOf(rs, ANNOTATION_REVISION));
    const hash = labelOf(rs, LABEL_POD_TEMPLATE_HASH);
    if (!Number.isInteger(revision) || hash === undefined) continue;
    if (best === undefined || revision > best.revision) best = { revision, hash };
  }
  return best?.hash;
}

/** Traffic weight reported by the router, else the share of available pods on the canary. */
export function actualWeight(rollout: unknown, replicaSets: readonly unknown[]): number {
  const reported = num(at(rollout, "status", "canary", "weights", "canary", "weight"));
  if (reported !== undefined) return reported;
  const available = num(at(rollout, "status", "availableReplicas")) ?? 0;
  if (available === 0) return 0;
  const hash = newestHash(replicaSets) ?? str(at(rollout, "status", "currentPodHash"));
  const canary = replicaSets.find((rs) => labelOf(rs, LABEL_POD_TEMPLATE_HASH) === hash);
  const canaryAvailable = canary === undefined ? 0 : rsReplicas(canary).available;
  return Math.round((canaryAvailable * 100) / available);
}

/** stable / canary / active / preview for a ReplicaSet, by pod-template-hash. */
function roles(rollout: unknown, hash: string | undefined, newest: string | undefined): string[] {
  if (hash === undefined) return [];
  const status = rec(at(rollout, "status"));
  const found: string[] = [];
  const blueGreen = at(rollout, "spec", "strategy", "blueGreen") !== undefined;
  if (str(status.stableRS) === hash) found.push("stable");
  if (blueGreen) {
    if (str(at(status, "blueGreen", "activeSelector")) === hash) found.push("active");
    if (str(at(status, "blueGreen", "previewSelector")) === hash) found.push("preview");
  } else if ((newest ?? str(status.currentPodHash)) === hash && str(status.stableRS) !== hash) {
    found.push("canary");
  }
  return found;
}

function podStatus(pod: unknown): { status: Status; info: string } {
  const phase = str(at(pod, "status", "phase")) ?? "Unknown";
  const containers = arr(at(pod, "spec", "containers")).length;
  const statuses = arr(at(pod, "status", "containerStatuses"));
  const ready = statuses.filter((s) => rec(s).ready === true).length;
  const restarts = statuses.reduce<number>((n, s) => n + (num(rec(s).restartCount) ?? 0), 0);
  const waiting = statuses
    .map((s) => str(at(s, "state", "waiting", "reason")))
    .find((r) => r !== undefined);
  let status: Status;
  if (at(pod, "metadata", "deletionTimestamp") !== undefined) {
    status = { icon: ICONS.progressing, text: "Terminating", tone: "progress" };
  } else if (phase === "Running" && ready === containers) {
    status = { icon: ICONS.ok, text: "Running", tone: "ok" };
  } else if (phase === "Succeeded") {
    status = { icon: ICONS.ok, text: "Completed", tone: "ok" };
  } else if (phase === "Failed") {
    status = { icon: ICONS.bad, text: "Error", tone: "bad" };
  } else {
    status = { icon: ICONS.progressing, text: waiting ?? phase, tone: "progress" };
  }
  const info = [`ready:${ready}/${containers}`];
  if (restarts > 0) info.push(`restarts:${restarts}`);
  return { status, info: info.join(",") };
}

function replicaSetNode(rs: unknown, pods: readonly unknown[], tags: string[]): TreeNode {
  const { desired, ready } = rsReplicas(rs);
  const status: Status =
    desired === 0
      ? phaseStatus("ScaledDown")
      : ready >= desired
        ? phaseStatus("Healthy")
        : phaseStatus("Progressing");
  const uid = uidOf(rs);
  const children = pods
    .filter((pod) => ownedBy(pod, uid))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)))
    .map((pod): TreeNode => {
      const { status: ps, info } = podStatus(pod);
      return {
        icon: ICONS.pod,
        name: nameOf(pod),
        kind: "Pod",
        status: ps,
        created: timeOf(at(pod, "metadata", "creationTimestamp")),
        info,
        children: [],
      };
    });
  return {
    icon: ICONS.replicaSet,
    name: nameOf(rs),
    kind: "ReplicaSet",
    status,
    created: timeOf(at(rs, "metadata", "creationTimestamp")),
    info: tags.join(","),
    children,
  };
}

/** ✔ n,✖ m... from the measurements of every metric of an AnalysisRun. */
export function analysisRunCounts(run: unknown): string {
  const totals = { successful: 0, failed: 0, inconclusive: 0, error: 0 };
  for (const metric of arr(at(run, "status", "metricResults"))) {
    const m = rec(metric);
    totals.successful += num(m.successful) ?? 0;
    totals.failed += num(m.failed) ?? 0;
    totals.inconclusive += num(m.inconclusive) ?? 0;
    totals.error += num(m.error) ?? 0;
  }
  const parts: string[] = [];
  if (totals.successful > 0) parts.push(`${ICONS.ok} ${totals.successful}`);
  if (totals.failed > 0) parts.push(`${ICONS.bad} ${totals.failed}`);
  if (totals.inconclusive > 0) parts.push(`${ICONS.unknown} ${totals.inconclusive}`);
  if (totals.error > 0) parts.push(`${ICONS.warning} ${totals.error}`);
  return parts.join(",");
}

export function analysisRunNode(run: unknown): TreeNode {
  return {
    icon: ICONS.analysisRun,
    name: nameOf(run),
    kind: "AnalysisRun",
    status: phaseStatus(str(at(run, "status", "phase")) ?? "Pending"),
    created: timeOf(at(run, "metadata", "creationTimestamp")),
    info: analysisRunCounts(run),
    children: [],
  };
}

export interface Owned {
  replicaSets: readonly unknown[];
  pods: readonly unknown[];
  analysisRuns: readonly unknown[];
  experiments: readonly unknown[];
}

/** An Experiment with its ReplicaSets (and their pods) and AnalysisRuns below it. */
export function experimentNode(experiment: unknown, owned: Owned): TreeNode {
  const uid = uidOf(experiment);
  const replicaSets = owned.replicaSets
    .filter((rs) => ownedBy(rs, uid))
    .map((rs) => replicaSetNode(rs, owned.pods, []));
  const runs = owned.analysisRuns.filter((r) => ownedBy(r, uid)).map(analysisRunNode);
  return {
    icon: ICONS.experiment,
    name: nameOf(experiment),
    kind: "Experiment",
    status: phaseStatus(str(at(experiment, "status", "phase")) ?? "Pending"),
    created: timeOf(at(experiment, "metadata", "creationTimestamp")),
    info: "",
    children: [...replicaSets, ...runs],
  };
}

/** Revision of an owned object: its own annotation, else its ReplicaSet's by hash. */
function revisionOf(obj: unknown, revisionByHash: Map<string, number>): number | undefined {
  const own = Number(annotationOf(obj, ANNOTATION_REVISION));
  if (Number.isInteger(own) && own > 0) return own;
  const hash = labelOf(obj, LABEL_POD_TEMPLATE_HASH);
  return hash === undefined ? undefined : revisionByHash.get(hash);
}

function sortedByCreation(items: readonly unknown[]): unknown[] {
  const time = (o: unknown) => timeOf(at(o, "metadata", "creationTimestamp"))?.getTime() ?? 0;
  return [...items].sort((a, b) => time(a) - time(b) || nameOf(a).localeCompare(nameOf(b)));
}

export function rolloutInfo(rollout: unknown, all: Owned): RolloutInfo {
  const uid = uidOf(rollout);
  const replicaSets = all.replicaSets.filter((rs) => ownedBy(rs, uid));
  const experiments = sortedByCreation(all.experiments.filter((e) => ownedBy(e, uid)));
  const runs = sortedByCreation(all.analysisRuns.filter((r) => ownedBy(r, uid)));
  const revisionByHash = new Map<string, number>();
  for (const rs of replicaSets) {
    const hash = labelOf(rs, LABEL_POD_TEMPLATE_HASH);
    const revision = Number(annotationOf(rs, ANNOTATION_REVISION));
    if (hash !== undefined && Number.isInteger(revision)) revisionByHash.set(hash, revision);
  }
  const newest = newestHash(replicaSets);
  const revisions = new Map<number, TreeNode[]>();
  const add = (revision: number | undefined, node: TreeNode) => {
    const key = revision ?? 0;
    revisions.set(key, [...(revisions.get(key) ?? []), node]);
  };
  for (const rs of replicaSets) {
    const hash = labelOf(rs, LABEL_POD_TEMPLATE_HASH);
    add(revisionOf(rs, revisionByHash), replicaSetNode(rs, all.pods, roles(rollout, hash, newest)));
  }
  for (const e of experiments) add(revisionOf(e, revisionByHash), experimentNode(e, all));
  for (const r of runs) add(revisionOf(r, revisionByHash), analysisRunNode(r));
  const revisionNodes = [...revisions.entries()]
    .sort(([a], [b]) => b - a)
    .map(
      ([revision, children]): TreeNode => ({
        icon: ICONS.revision,
        name: revision === 0 ? "revision:unknown" : `revision:${revision}`,
        kind: "",
        info: "",
        children,
      }),
    );

  const { phase, message } = rolloutStatus(rollout);
  const status = phaseStatus(phase);
  const strategyObj = rec(at(rollout, "spec", "strategy"));
  const strategy =
    strategyObj.canary !== undefined
      ? "Canary"
      : strategyObj.blueGreen !== undefined
        ? "BlueGreen"
        : "Unknown";
  const info: RolloutInfo = {
    name: nameOf(rollout),
    namespace: str(at(rollout, "metadata", "namespace")) ?? "",
    status,
    message,
    strategy,
    images: images(rollout, replicaSets),
    replicas: {
      desired: num(at(rollout, "spec", "replicas")) ?? 1,
      current: num(at(rollout, "status", "replicas")) ?? 0,
      updated: num(at(rollout, "status", "updatedReplicas")) ?? 0,
      ready: num(at(rollout, "status", "readyReplicas")) ?? 0,
      available: num(at(rollout, "status", "availableReplicas")) ?? 0,
    },
    tree: {
      icon: ICONS.rollout,
      name: nameOf(rollout),
      kind: "Rollout",
      status,
      created: timeOf(at(rollout, "metadata", "creationTimestamp")),
      info: "",
      children: revisionNodes,
    },
  };
  if (strategy === "Canary") {
    const steps = canarySteps(rollout);
    if (steps.length > 0) {
      const index = num(at(rollout, "status", "currentStepIndex")) ?? 0;
      info.step = `${Math.min(index, steps.length)}/${steps.length}`;
    }
    info.setWeight = String(currentSetWeight(rollout));
    info.actualWeight = String(actualWeight(rollout, replicaSets));
  }
  return info;
}

/** `image (stable)`, `image (canary)`: images of the ReplicaSets that hold a role. */
function images(rollout: unknown, replicaSets: readonly unknown[]): string[] {
  const tagsByImage = new Map<string, string[]>();
  for (const rs of replicaSets) {
    const tags = roles(rollout, labelOf(rs, LABEL_POD_TEMPLATE_HASH), newestHash(replicaSets));
    if (tags.length === 0 && rsReplicas(rs).desired === 0) continue;
    for (const container of arr(at(rs, "spec", "template", "spec", "containers"))) {
      const image = str(rec(container).image);
      if (image === undefined) continue;
      const known = tagsByImage.get(image) ?? [];
      for (const tag of tags) if (!known.includes(tag)) known.push(tag);
      tagsByImage.set(image, known);
    }
  }
  const rank = (tags: string[]) => {
    const order = ["stable", "active", "canary", "preview"];
    const ranks = tags.map((t) => order.indexOf(t)).filter((r) => r >= 0);
    return ranks.length === 0 ? order.length : Math.min(...ranks);
  };
  return [...tagsByImage.entries()]
    .sort(([, a], [, b]) => rank(a) - rank(b))
    .map(([image, tags]) => (tags.length === 0 ? image : `${image} (${tags.join(", ")})`));
}
