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

function finished(job: KubeObject): boolean {
  const conditions = getPath(job, ["status", "conditions"]);
  return (
    Array.isArray(conditions) &&
    conditions.some(
      (c) => isObject(c) && (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    )
  );
}

/** Job → Pods that run to success or failure; `Complete` / `Failed` conditions as Kubernetes sets them. */
export class JobController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { job: ResourceType; pod: ResourceType },
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

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const job = this.api.store.get(JOB_KEY, namespace, name)?.obj;
    if (!job || job.metadata.deletionTimestamp || finished(job)) return;
    const pods = ownedBy(this.api, job, "pods");
    const succeeded = pods.filter((p) => podPhase(p) === "Succeeded").length;
    const failed = pods.filter((p) => podPhase(p) === "Failed").length;
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
      for (const pod of active) this.api.delete(this.types.pod, namespace, pod.metadata.name ?? "");
      active.length = 0;
    } else if (!getPath(job, ["spec", "suspend"])) {
      const wanted = Math.min(parallelism, completions - succeeded) - active.length;
      for (let i = 0; i < wanted; i++) active.push(this.createPod(job));
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
      ready: active.filter((p) => getPath(p, ["status", "phase"]) === "Running").length,
      succeeded,
      failed,
      ...(outcome
        ? { conditions, ...(outcome.type === "Complete" ? { completionTime: now } : {}) }
        : {}),
    };
    for (const field of ["active", "succeeded", "failed"] as const)
      if (status[field] === 0) delete status[field];
    if (!deepEqual(previous, status))
      this.api.updateStatus(this.types.job, namespace, name, { ...job, status });
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
