import { timestamp } from "../api/metadata.js";
import type { JsonObject, KubeObject } from "../api/types.js";
import { getPath, isObject } from "../api/types.js";
import type { ContainerRuntime, Terminated } from "./container-runtime.js";

/** Conditions the kubelet owns; any other condition type (readiness gates) is kept as set. */
const KUBELET_CONDITIONS = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

function iso(ms: number): string {
  return timestamp(new Date(ms));
}

function condition(
  type: string,
  status: boolean,
  previous: unknown[],
  now: string,
  reason?: string,
  message?: string,
): JsonObject {
  const old = previous.find((c) => isObject(c) && c.type === type);
  const value = status ? "True" : "False";
  const keepTime =
    isObject(old) && old.status === value && typeof old.lastTransitionTime === "string";
  return {
    type,
    status: value,
    lastProbeTime: null,
    lastTransitionTime: keepTime ? old.lastTransitionTime : now,
    ...(reason && !status ? { reason } : {}),
    ...(message && !status ? { message } : {}),
  };
}

function terminatedField(t: Terminated): JsonObject {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    startedAt: t.startedAt === 0 ? "1970-01-01T00:00:00Z" : iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
    containerID: "",
  };
}

function containerStatus(c: ContainerRuntime, uid: string): JsonObject {
  const view = c.view;
  let state: JsonObject;
  if (view.kind === "waiting")
    state = {
      waiting: { reason: view.reason, ...(view.message ? { message: view.message } : {}) },
    };
  else if (view.kind === "running") state = { running: { startedAt: iso(view.startedAt) } };
  else state = { terminated: terminatedField(view.last) };
  const image = c.plan.image;
  const lastState =
    c.lastState && view.kind !== "terminated" ? { terminated: terminatedField(c.lastState) } : {};
  return {
    name: c.plan.name,
    image,
    imageID: c.imagePulled ? `devcluster-registry://${image}` : "",
    ...(c.everStarted
      ? { containerID: `devcluster://${uid}/${c.plan.name}/${c.restartCount}` }
      : {}),
    ready: view.kind === "running" && view.ready,
    started: view.kind === "running" && view.started,
    restartCount: c.restartCount,
    state,
    lastState,
  };
}

export interface PodView {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  reason?: string;
  message?: string;
  init: ContainerRuntime[];
  main: ContainerRuntime[];
  podIp: string;
  startTime: number;
}

/** Names of readiness gates whose condition is not True in the pod's status. */
export function unmetReadinessGates(pod: KubeObject): string[] {
  const gates = getPath(pod, ["spec", "readinessGates"]);
  if (!Array.isArray(gates)) return [];
  const conditions = getPath(pod, ["status", "conditions"]);
  const list = Array.isArray(conditions) ? conditions : [];
  return gates
    .filter(isObject)
    .map((g) => String(g.conditionType ?? ""))
    .filter(
      (type) =>
        type !== "" && !list.some((c) => isObject(c) && c.type === type && c.status === "True"),
    );
}

/** Builds `status` as the kubelet reports it, keeping transition times that did not change. */
export function renderPodStatus(pod: KubeObject, view: PodView, nowMs: number): JsonObject {
  const now = iso(nowMs);
  const uid = String(pod.metadata.uid ?? "");
  const conditions = getPath(pod, ["status", "conditions"]);
  const previous = Array.isArray(conditions) ? conditions : [];
  const terminal = view.phase === "Succeeded" || view.phase === "Failed";
  const initDone = view.init.every((c) => c.done?.exitCode === 0);
  const notInitialized = view.init.filter((c) => c.done?.exitCode !== 0).map((c) => c.plan.name);
  const unready = view.main
    .filter((c) => !(c.view.kind === "running" && c.view.ready))
    .map((c) => c.plan.name);
  const containersReady = !terminal && initDone && unready.length === 0;
  const gates = unmetReadinessGates(pod);
  const ready = containersReady && gates.length === 0;
  let notReadyReason = "ContainersNotReady";
  let notReadyMessage = `containers with unready status: [${unready.join(" ")}]`;
  if (terminal) {
    notReadyReason = "PodCompleted";
    notReadyMessage = "";
  } else if (!initDone) {
    notReadyReason = "ContainersNotInitialized";
    notReadyMessage = `containers with incomplete status: [${notInitialized.join(" ")}]`;
  }
  const readyCondition = containersReady
    ? condition(
        "Ready",
        ready,
        previous,
        now,
        "ReadinessGatesNotReady",
        `the status of pod readiness gate${gates.length > 1 ? "s" : ""} "${gates.join('", "')}" is not "True", but False`,
      )
    : condition("Ready", false, previous, now, notReadyReason, notReadyMessage);
  const sandboxUp = !terminal;
  const kept = previous.filter((c) => isObject(c) && !KUBELET_CONDITIONS.has(String(c.type)));
  return {
    phase: view.phase,
    ...(view.reason ? { reason: view.reason } : {}),
    ...(view.message ? { message: view.message } : {}),
    conditions: [
      condition("PodReadyToStartContainers", sandboxUp, previous, now),
      condition(
        "Initialized",
        initDone,
        previous,
        now,
        "ContainersNotInitialized",
        `containers with incomplete status: [${notInitialized.join(" ")}]`,
      ),
      readyCondition,
      condition("ContainersReady", containersReady, previous, now, notReadyReason, notReadyMessage),
      condition("PodScheduled", true, previous, now),
      ...kept,
    ],
    hostIP: "127.0.0.1",
    hostIPs: [{ ip: "127.0.0.1" }],
    podIP: view.podIp,
    podIPs: [{ ip: view.podIp }],
    startTime: iso(view.startTime),
    ...(view.init.length > 0
      ? { initContainerStatuses: view.init.map((c) => containerStatus(c, uid)) }
      : {}),
    containerStatuses: view.main.map((c) => containerStatus(c, uid)),
    qosClass: "BestEffort",
  };
}

/** Whether a pod is Ready, and since when (ms since epoch). */
export function podReadySince(pod: KubeObject): number | undefined {
  const conditions = getPath(pod, ["status", "conditions"]);
  if (!Array.isArray(conditions)) return undefined;
  const ready = conditions.find((c) => isObject(c) && c.type === "Ready");
  if (!isObject(ready) || ready.status !== "True") return undefined;
  const time = Date.parse(String(ready.lastTransitionTime ?? ""));
  return Number.isNaN(time) ? 0 : time;
}

export function podPhase(pod: KubeObject): string {
  return String(getPath(pod, ["status", "phase"]) ?? "Pending");
}
