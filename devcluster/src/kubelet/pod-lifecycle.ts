import type { Logger } from "pino";
import { timestamp } from "../api/metadata.js";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, type KubeObject } from "../api/types.js";
import { splitKey, WorkQueue } from "../controllers/work-queue.js";
import { annotation, flag, HOOK_ANNOTATIONS, milliseconds } from "./hooks.js";
import { type PodState, podPhase, renderPodStatus } from "./pod-status.js";

export interface KubeletOptions {
  podReadyDelayMs: number;
  /** How often a crash-looping container "restarts". */
  crashLoopRestartMs?: number;
}

const DEFAULT_JOB_DURATION_MS = 1000;

/**
 * The simulated kubelet: starts every pod on the one simulated node, makes it Ready after a
 * delay, and applies the test hooks. Decisions (`desiredState`) are separate from writes so a
 * fuller simulation (probes, images, lifecycle hooks) can extend them.
 */
export class PodLifecycle {
  private readonly queue: WorkQueue;
  private readonly startedAt = new Map<string, number>();
  private readonly podType: ResourceType;
  private nextIp = 1;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly options: KubeletOptions,
  ) {
    const podType = api.registry.lookup("", "v1", "pods");
    if (!podType) throw new Error("devcluster: pods are not registered");
    this.podType = podType;
    this.queue = new WorkQueue("kubelet", (key) => this.sync(key), log);
    this.nextIp += api.store.count("pods");
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key !== "pods") return;
      if (event.type === "DELETED") {
        this.startedAt.delete(event.obj.metadata.uid ?? "");
        return;
      }
      this.queue.add(`${event.namespace}/${event.name}`);
    });
    for (const entry of api.store.list("pods"))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private startTime(pod: KubeObject): number {
    const uid = pod.metadata.uid ?? "";
    const known = this.startedAt.get(uid);
    if (known !== undefined) return known;
    const recorded = Date.parse(String(getPath(pod, ["status", "startTime"]) ?? ""));
    const started = Number.isNaN(recorded) ? Date.now() : recorded;
    this.startedAt.set(uid, started);
    return started;
  }

  /** What the pod should look like now, and when to look again (ms), if ever. */
  desiredState(
    pod: KubeObject,
    startedAt: number,
    now: number,
  ): { state: PodState; recheckMs?: number } {
    const annotations = pod.metadata.annotations;
    const elapsed = now - startedAt;
    if (flag(annotations, HOOK_ANNOTATIONS.fail)) {
      return { state: { kind: "terminated", succeeded: false, reason: "Error" } };
    }
    const restartPolicy = getPath(pod, ["spec", "restartPolicy"]);
    const jobOwned = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "Job");
    if (jobOwned || restartPolicy === "Never" || restartPolicy === "OnFailure") {
      const duration = milliseconds(annotations, HOOK_ANNOTATIONS.jobDurationMs);
      const result = annotation(annotations, HOOK_ANNOTATIONS.jobResult);
      // Plain pods that never exit are only finished when a job hook says so.
      if (jobOwned || duration !== undefined || result !== undefined) {
        const runFor = duration ?? DEFAULT_JOB_DURATION_MS;
        if (elapsed >= runFor) {
          return { state: { kind: "terminated", succeeded: result !== "fail", reason: "Error" } };
        }
        return { state: { kind: "running", ready: true }, recheckMs: runFor - elapsed };
      }
    }
    if (flag(annotations, HOOK_ANNOTATIONS.crashLoop)) {
      const every = this.options.crashLoopRestartMs ?? 10_000;
      return {
        state: { kind: "crash-loop", restarts: 1 + Math.floor(elapsed / every) },
        recheckMs: every - (elapsed % every),
      };
    }
    if (flag(annotations, HOOK_ANNOTATIONS.unready))
      return { state: { kind: "running", ready: false } };
    const delay =
      milliseconds(annotations, HOOK_ANNOTATIONS.readyDelayMs) ?? this.options.podReadyDelayMs;
    if (elapsed >= delay) return { state: { kind: "running", ready: true } };
    return { state: { kind: "running", ready: false }, recheckMs: delay - elapsed };
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const entry = this.api.store.get("pods", namespace, name);
    if (!entry) return;
    const pod = entry.obj;
    if (pod.metadata.deletionTimestamp) return;
    const phase = podPhase(pod);
    if (phase === "Succeeded" || phase === "Failed") return;
    const now = Date.now();
    const startedAt = this.startTime(pod);
    const { state, recheckMs } = this.desiredState(pod, startedAt, now);
    const podIp = String(getPath(pod, ["status", "podIP"]) ?? this.allocateIp());
    const start = String(getPath(pod, ["status", "startTime"]) ?? timestamp(new Date(startedAt)));
    const status = renderPodStatus(pod, state, podIp, start, timestamp(new Date(now)));
    if (!sameState(pod.status, status)) {
      this.api.updateStatus(this.podType, namespace, name, { ...pod, status });
    }
    if (recheckMs !== undefined) this.queue.addAfter(key, recheckMs);
  }

  private allocateIp(): string {
    const n = this.nextIp++;
    return `10.244.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}

/** Compares statuses ignoring timestamps that are re-rendered on every pass. */
function sameState(current: unknown, next: unknown): boolean {
  return deepEqual(current ?? {}, next, "finishedAt");
}
