import type { Logger } from "pino";
import { randomSuffix, timestamp } from "../api/metadata.js";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import { HOOK_ANNOTATIONS } from "../kubelet/hooks.js";
import { podPhase } from "../kubelet/pod-status.js";
import { controllerKey, controllerReference, ownedBy } from "./owned.js";
import { splitKey, WorkQueue } from "./work-queue.js";

const JOB_KEY = "jobs.batch";
const JOB_HOOKS = [HOOK_ANNOTATIONS.jobResult, HOOK_ANNOTATIONS.jobDurationMs];

/** When the Job finished (its Complete or Failed condition), if it has. */
function finishedAt(job: KubeObject): number | undefined {
  const conditions = getPath(job, ["status", "conditions"]);
  if (!Array.isArray(conditions)) return undefined;
  const final = conditions.find(
    (c) => isObject(c) && (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
  if (!isObject(final)) return undefined;
  const at = Date.parse(String(final.lastTransitionTime ?? ""));
  return Number.isNaN(at) ? 0 : at;
}

/** When the last of these pods stopped (its containers' finishedAt), or undefined. */
function lastFinish(pods: KubeObject[]): number | undefined {
  let last: number | undefined;
  for (const pod of pods) {
    const statuses = getPath(pod, ["status", "containerStatuses"]);
    if (!Array.isArray(statuses)) continue;
    for (const s of statuses) {
      const at = Date.parse(String(getPath(s, ["state", "terminated", "finishedAt"]) ?? ""));
      if (!Number.isNaN(at) && (last === undefined || at > last)) last = at;
    }
  }
  return last;
}

/** Container restarts of OnFailure pods count as failures toward backoffLimit. */
function restarts(pod: KubeObject): number {
  if (getPath(pod, ["spec", "restartPolicy"]) !== "OnFailure") return 0;
  const statuses = getPath(pod, ["status", "containerStatuses"]);
  if (!Array.isArray(statuses)) return 0;
  return statuses.reduce<number>(
    (sum, s) =>
      sum +
      (typeof getPath(s, ["restartCount"]) === "number" ? Number(getPath(s, ["restartCount"])) : 0),
    0,
  );
}

function isReady(pod: KubeObject): boolean {
  const conditions = getPath(pod, ["status", "conditions"]);
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isObject(c) && c.type === "Ready" && c.status === "True")
  );
}

const MAX_POD_BACK_OFF_MS = 360_000;

/** Job → Pods that run to success or failure; `Complete` / `Failed` conditions as Kubernetes sets them. */
export class JobController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;
  /**
   * When this controller first saw each failed pod (by uid). finishedAt has whole-second
   * precision, so back-off measured from it alone could end up to a second early.
   */
  private readonly failureSeen = new Map<string, number>();

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { job: ResourceType; pod: ResourceType },
    private readonly backOffBaseMs = 10_000,
  ) {
    this.queue = new WorkQueue("job", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === JOB_KEY && event.type !== "DELETED")
        this.queue.add(`${event.namespace}/${event.name}`);
      if (event.key === "pods") {
        const owner = controllerKey(event.obj, "Job");
        if (owner) this.queue.add(owner);
      }
    });
    for (const entry of api.store.list(JOB_KEY))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private lastFailure(failedPods: KubeObject[]): number | undefined {
    let last = lastFinish(failedPods);
    for (const pod of failedPods) {
      const uid = pod.metadata.uid ?? "";
      let seen = this.failureSeen.get(uid);
      if (seen === undefined) {
        seen = Date.now();
        this.failureSeen.set(uid, seen);
      }
      if (last === undefined || seen > last) last = seen;
    }
    return last;
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const job = this.api.store.get(JOB_KEY, namespace, name)?.obj;
    if (!job || job.metadata.deletionTimestamp) return;
    const done = finishedAt(job);
    if (done !== undefined) {
      this.expire(job, key, done);
      return;
    }
    const pods = ownedBy(this.api, job, "pods");
    const succeeded = pods.filter((p) => podPhase(p) === "Succeeded").length;
    const failedPods = pods.filter((p) => podPhase(p) === "Failed");
    const failed = failedPods.length + pods.reduce((sum, p) => sum + restarts(p), 0);
    const terminating = pods.filter((p) => p.metadata.deletionTimestamp).length;
    const active = pods.filter(
      (p) =>
        !p.metadata.deletionTimestamp && podPhase(p) !== "Succeeded" && podPhase(p) !== "Failed",
    );
    const completions = Number(getPath(job, ["spec", "completions"]) ?? 1);
    const parallelism = Number(getPath(job, ["spec", "parallelism"]) ?? 1);
    const backoffLimit = Number(getPath(job, ["spec", "backoffLimit"]) ?? 6);
    const deadline = getPath(job, ["spec", "activeDeadlineSeconds"]);
    const previous = isObject(job.status) ? job.status : {};
    const startTime =
      typeof previous.startTime === "string" ? previous.startTime : timestamp(new Date());
    const now = timestamp(new Date());
    let outcome: { type: "Complete" | "Failed"; reason: string; message: string } | undefined;
    if (succeeded >= completions)
      outcome = {
        type: "Complete",
        reason: "CompletionsReached",
        message: "Reached expected number of succeeded pods",
      };
    else if (failed > backoffLimit)
      outcome = {
        type: "Failed",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      };
    else if (
      typeof deadline === "number" &&
      Date.now() - Date.parse(startTime) >= deadline * 1000
    ) {
      outcome = {
        type: "Failed",
        reason: "DeadlineExceeded",
        message: "Job was active longer than specified deadline",
      };
    }
    if (outcome) {
      for (const pod of failedPods) this.failureSeen.delete(pod.metadata.uid ?? "");
      for (const pod of active) this.api.delete(this.types.pod, namespace, pod.metadata.name ?? "");
      active.length = 0;
    } else if (!getPath(job, ["spec", "suspend"])) {
      const wanted = Math.min(parallelism, completions - succeeded) - active.length;
      // After failures, new pods wait 10 s, 20 s, 40 s... (up to 6 minutes) as the Job
      // controller's back-off does.
      const lastFailure = failedPods.length > 0 ? this.lastFailure(failedPods) : undefined;
      const backOff =
        failed === 0 ? 0 : Math.min(MAX_POD_BACK_OFF_MS, this.backOffBaseMs * 2 ** (failed - 1));
      const waitMs = lastFailure === undefined ? 0 : lastFailure + backOff - Date.now();
      if (wanted > 0 && waitMs > 0) this.queue.addAfter(key, waitMs);
      else for (let i = 0; i < wanted; i++) active.push(this.createPod(job));
      if (typeof deadline === "number")
        this.queue.addAfter(
          key,
          Math.max(0, Date.parse(startTime) + deadline * 1000 - Date.now()) + 50,
        );
    }
    const conditions: JsonObject[] = [];
    if (outcome) {
      const condition = {
        type: outcome.type,
        status: "True",
        lastProbeTime: now,
        lastTransitionTime: now,
        reason: outcome.reason,
        message: outcome.message,
      };
      const criteria = outcome.type === "Complete" ? "SuccessCriteriaMet" : "FailureTarget";
      conditions.push({ ...condition, type: criteria }, condition);
    }
    const status: JsonObject = {
      ...previous,
      startTime,
      active: active.length,
      ready: active.filter(isReady).length,
      terminating,
      succeeded,
      failed,
      ...(outcome
        ? { conditions, ...(outcome.type === "Complete" ? { completionTime: now } : {}) }
        : {}),
    };
    for (const field of ["active", "succeeded", "failed", "terminating"] as const)
      if (status[field] === 0) delete status[field];
    if (!deepEqual(previous, status))
      this.api.updateStatus(this.types.job, namespace, name, { ...job, status });
  }

  /** ttlSecondsAfterFinished: a finished Job (and, through ownership, its pods) is deleted. */
  private expire(job: KubeObject, key: string, finishedAtMs: number): void {
    const ttl = getPath(job, ["spec", "ttlSecondsAfterFinished"]);
    if (typeof ttl !== "number" || ttl < 0) return;
    const wait = finishedAtMs + ttl * 1000 - Date.now();
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    this.api.delete(this.types.job, job.metadata.namespace ?? "", job.metadata.name ?? "", {
      propagationPolicy: "Background",
      preconditions: { uid: job.metadata.uid ?? "" },
    });
  }

  private createPod(job: KubeObject): KubeObject {
    const template = getPath(job, ["spec", "template"]);
    const meta = isObject(template) && isObject(template.metadata) ? template.metadata : {};
    const annotations: Record<string, string> = {
      ...(isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {}),
    };
    for (const hook of JOB_HOOKS) {
      const value = job.metadata.annotations?.[hook];
      if (value !== undefined) annotations[hook] = value;
    }
    const jobName = job.metadata.name ?? "";
    const pod: JsonObject = {
      metadata: {
        name: `${jobName}-${randomSuffix()}`,
        generateName: `${jobName}-`,
        namespace: job.metadata.namespace,
        labels: {
          ...(isObject(meta.labels) ? meta.labels : {}),
          "job-name": jobName,
          "batch.kubernetes.io/job-name": jobName,
        },
        annotations,
        ownerReferences: [controllerReference(job, "batch/v1", "Job")],
      },
      spec: structuredClone(isObject(template) ? template.spec : {}),
    };
    return this.api.create(this.types.pod, job.metadata.namespace ?? "", pod);
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
