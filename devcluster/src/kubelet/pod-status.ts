import type { JsonObject, KubeObject } from "../api/types.js";
import { getPath, isObject } from "../api/types.js";

/** The observable state of a simulated pod; pod-lifecycle decides it, this renders it. */
export type PodState =
  | { kind: "running"; ready: boolean }
  | { kind: "crash-loop"; restarts: number }
  | { kind: "terminated"; succeeded: boolean; reason: string };

function containerNames(pod: KubeObject): Array<{ name: string; image: string }> {
  const containers = getPath(pod, ["spec", "containers"]);
  if (!Array.isArray(containers)) return [];
  return containers
    .filter(isObject)
    .map((c) => ({ name: String(c.name ?? ""), image: String(c.image ?? "") }));
}

function condition(
  type: string,
  status: boolean,
  previous: unknown,
  now: string,
  reason?: string,
): JsonObject {
  const old = Array.isArray(previous)
    ? previous.find((c) => isObject(c) && c.type === type)
    : undefined;
  const value = status ? "True" : "False";
  const keepTime =
    isObject(old) && old.status === value && typeof old.lastTransitionTime === "string";
  return {
    type,
    status: value,
    lastProbeTime: null,
    lastTransitionTime: keepTime ? old.lastTransitionTime : now,
    ...(reason && !status ? { reason } : {}),
  };
}

/** Builds `status` for a pod in the given state, keeping transition times that did not change. */
export function renderPodStatus(
  pod: KubeObject,
  state: PodState,
  podIp: string,
  startTime: string,
  now: string,
): JsonObject {
  const previous = getPath(pod, ["status", "conditions"]);
  const ready = state.kind === "running" && state.ready;
  const terminated = state.kind === "terminated";
  const containerStatuses = containerNames(pod).map(({ name, image }) => {
    let stateField: JsonObject;
    if (state.kind === "running") stateField = { running: { startedAt: startTime } };
    else if (state.kind === "crash-loop") {
      stateField = {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "back-off restarting failed container (devcluster hook)",
        },
      };
    } else {
      stateField = {
        terminated: {
          exitCode: state.succeeded ? 0 : 1,
          reason: state.succeeded ? "Completed" : "Error",
          startedAt: startTime,
          finishedAt: now,
        },
      };
    }
    return {
      name,
      image,
      imageID: `devcluster://${image}`,
      containerID: `devcluster://${String(pod.metadata.uid ?? "")}/${name}`,
      ready,
      started: state.kind === "running",
      restartCount: state.kind === "crash-loop" ? state.restarts : 0,
      state: stateField,
      ...(state.kind === "crash-loop"
        ? {
            lastState: {
              terminated: { exitCode: 1, reason: "Error", startedAt: startTime, finishedAt: now },
            },
          }
        : {}),
    };
  });
  const notReadyReason = terminated ? "PodCompleted" : "ContainersNotReady";
  return {
    phase: state.kind === "terminated" ? (state.succeeded ? "Succeeded" : "Failed") : "Running",
    ...(state.kind === "terminated" && !state.succeeded ? { reason: state.reason } : {}),
    conditions: [
      condition("PodReadyToStartContainers", !terminated, previous, now),
      condition("Initialized", true, previous, now),
      condition("Ready", ready, previous, now, notReadyReason),
      condition("ContainersReady", ready, previous, now, notReadyReason),
      condition("PodScheduled", true, previous, now),
    ],
    hostIP: "127.0.0.1",
    hostIPs: [{ ip: "127.0.0.1" }],
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime,
    containerStatuses,
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
