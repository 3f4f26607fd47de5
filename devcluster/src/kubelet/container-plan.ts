import { getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import type { ContainerPlan } from "./container-runtime.js";
import { annotation, flag, HOOK_ANNOTATIONS, milliseconds } from "./hooks.js";
import { hookSleepMs, probeTiming } from "./probes.js";

const DEFAULT_JOB_DURATION_MS = 1000;
const DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024;
const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A memory quantity ("128Mi", "1G", "1000000") in bytes, or undefined when it does not parse. */
export function memoryBytes(value: unknown): number | undefined {
  if (typeof value === "number") return value > 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  const bytes = Number(match[1]) * (UNITS[match[2] ?? ""] ?? 1);
  return bytes > 0 ? Math.floor(bytes) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

export interface PodSettings {
  podReadyDelayMs: number;
  crashLoopRestartMs: number;
}

/** How each container of the pod is to be run, from its spec and the test hooks. */
export function planContainers(
  pod: KubeObject,
  settings: PodSettings,
): { init: ContainerPlan[]; main: ContainerPlan[] } {
  const annotations = pod.metadata.annotations;
  const restartPolicy = String(getPath(pod, ["spec", "restartPolicy"]) ?? "Always");
  const jobOwned = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "Job");
  const duration = milliseconds(annotations, HOOK_ANNOTATIONS.jobDurationMs);
  const jobResult = annotation(annotations, HOOK_ANNOTATIONS.jobResult);
  const jobHooks =
    (jobOwned || restartPolicy !== "Always") && (duration !== undefined || jobResult !== undefined);
  const readyDelayMs =
    milliseconds(annotations, HOOK_ANNOTATIONS.readyDelayMs) ?? settings.podReadyDelayMs;

  const plan = (raw: JsonObject, init: boolean): ContainerPlan => {
    const command = strings(raw.command);
    const args = strings(raw.args);
    const argv = command || args ? [...(command ?? []), ...(args ?? [])] : undefined;
    const env: Record<string, string> = {};
    if (Array.isArray(raw.env))
      for (const item of raw.env)
        if (isObject(item) && typeof item.name === "string" && typeof item.value === "string")
          env[item.name] = item.value;
    const lifecycle = isObject(raw.lifecycle) ? raw.lifecycle : {};
    const limits = getPath(raw, ["resources", "limits", "memory"]);
    const result: ContainerPlan = {
      name: String(raw.name ?? ""),
      image: String(raw.image ?? ""),
      init,
      pullAlways: raw.imagePullPolicy === "Always",
      env,
      memoryBytes: memoryBytes(limits) ?? DEFAULT_MEMORY_BYTES,
      postStartMs: init ? 0 : hookSleepMs(lifecycle.postStart),
      preStopMs: init ? 0 : hookSleepMs(lifecycle.preStop),
      readyDelayMs,
      neverRestart: false,
      neverReady: flag(annotations, HOOK_ANNOTATIONS.unready),
      startupFails: !init && flag(annotations, HOOK_ANNOTATIONS.startupFails),
    };
    if (argv && argv.length > 0) result.argv = argv;
    if (!init) {
      const readiness = probeTiming(raw.readinessProbe);
      const liveness = probeTiming(raw.livenessProbe);
      const startup = probeTiming(raw.startupProbe);
      if (readiness) result.readiness = readiness;
      if (liveness) result.liveness = liveness;
      if (startup) result.startup = startup;
      const readinessFails = milliseconds(annotations, HOOK_ANNOTATIONS.readinessFailsAfterMs);
      const livenessFails = milliseconds(annotations, HOOK_ANNOTATIONS.livenessFailsAfterMs);
      if (readinessFails !== undefined) result.readinessFailsAfterMs = readinessFails;
      if (livenessFails !== undefined) result.livenessFailsAfterMs = livenessFails;
    }
    // Hooks decide how a simulated process ends; they win over a real command.
    if (flag(annotations, HOOK_ANNOTATIONS.fail) && !init) {
      result.simulatedExit = { afterMs: 0, exitCode: 1 };
      result.neverRestart = true;
    } else if (jobHooks && !init) {
      result.simulatedExit = {
        afterMs: duration ?? DEFAULT_JOB_DURATION_MS,
        exitCode: jobResult === "fail" ? 1 : 0,
      };
    } else if (flag(annotations, HOOK_ANNOTATIONS.crashLoop) && !init) {
      result.simulatedExit = { afterMs: 0, exitCode: 1 };
      result.fixedBackOffMs = settings.crashLoopRestartMs;
    } else if (!result.argv) {
      // No command: the image's own process, which devcluster cannot run. A server runs until
      // deleted; in a Job it is taken to finish successfully; an init container completes.
      if (init) result.simulatedExit = { afterMs: 0, exitCode: 0 };
      else if (jobOwned) result.simulatedExit = { afterMs: DEFAULT_JOB_DURATION_MS, exitCode: 0 };
    }
    // A container whose end a hook decides is simulated: its command is not executed.
    if (result.simulatedExit) delete result.argv;
    return result;
  };

  const list = (path: string): ContainerPlan[] => {
    const raw = getPath(pod, ["spec", path]);
    return Array.isArray(raw)
      ? raw.filter(isObject).map((c) => plan(c, path === "initContainers"))
      : [];
  };
  return { init: list("initContainers"), main: list("containers") };
}
