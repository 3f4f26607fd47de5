// The Job provider (spec §5.4): one Job per measurement, its conditions are the result.
import {
  isJsonObject,
  type JsonObject,
  type Logger,
  MeasurementPhase,
  type MeasurementResult,
  PluginError,
  stringAt,
} from "@sluice/sdk";
import type { JobConfig } from "./config.js";
import {
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  jobName,
  METRIC_ANNOTATION,
  measurementNumber,
  NAME_ANNOTATION,
  NAMESPACE_ANNOTATION,
  UID_LABEL,
} from "./job-name.js";
import { type JobClient, toKubeError } from "./kube.js";

export interface JobProviderOptions {
  jobs: JobClient;
  /** Namespace for all Jobs (ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE); else the run's. */
  namespace?: string | undefined;
  /** Jobs go to another cluster than the run's, so they cannot be owned by it. */
  otherCluster?: boolean;
  now?: () => Date;
}

export interface JobCall {
  analysisRun: JsonObject;
  metric: JsonObject;
  config: JobConfig;
}

/** A pod waiting for one of these will never start by itself (spec §5.4). */
const TERMINAL_WAITING = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]);

interface RunIdentity {
  name: string;
  namespace: string;
  uid: string;
}

function runIdentity(analysisRun: JsonObject): RunIdentity {
  const name = stringAt(analysisRun, "metadata", "name");
  const namespace = stringAt(analysisRun, "metadata", "namespace");
  const uid = stringAt(analysisRun, "metadata", "uid");
  if (!name || !namespace || !uid) {
    throw new PluginError(
      "invalid request: the AnalysisRun needs metadata.name, metadata.namespace and metadata.uid to own a measurement Job",
    );
  }
  return { name, namespace, uid };
}

function metricName(metric: JsonObject): string {
  const name = metric.name;
  if (typeof name !== "string" || name === "") {
    throw new PluginError("invalid request: the metric has no name");
  }
  return name;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function objectAt(object: JsonObject, key: string): JsonObject {
  const value = object[key];
  return isJsonObject(value) ? value : {};
}

export function createJobProvider(options: JobProviderOptions) {
  const { jobs } = options;
  const now = options.now ?? (() => new Date());
  const namespaceFor = (run: RunIdentity) => options.namespace ?? run.namespace;

  function jobBody(call: JobCall, run: RunIdentity, metric: string, name: string): JsonObject {
    const namespace = namespaceFor(run);
    const labels = { ...call.config.labels, [UID_LABEL]: run.uid };
    const annotations = {
      ...call.config.annotations,
      [NAME_ANNOTATION]: run.name,
      [NAMESPACE_ANNOTATION]: run.namespace,
      [METRIC_ANNOTATION]: metric,
    };
    // The run owns its Jobs only when both live side by side (owner references cannot cross
    // namespaces or clusters).
    const owned = !options.otherCluster && namespace === run.namespace;
    // The run's uid goes on the pod template too; a spec without a template is sent as written
    // so that the API server's own message says what is missing.
    const rawTemplate = call.config.spec.template;
    const spec = isJsonObject(rawTemplate)
      ? {
          ...call.config.spec,
          template: {
            ...rawTemplate,
            metadata: {
              ...objectAt(rawTemplate, "metadata"),
              labels: {
                ...objectAt(objectAt(rawTemplate, "metadata"), "labels"),
                [UID_LABEL]: run.uid,
              },
            },
          },
        }
      : call.config.spec;
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace,
        labels,
        annotations,
        ...(owned
          ? {
              ownerReferences: [
                {
                  apiVersion: "argoproj.io/v1alpha1",
                  kind: "AnalysisRun",
                  name: run.name,
                  uid: run.uid,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }
          : {}),
      },
      spec,
    };
  }

  /** A Job left by an earlier Run of this measurement (a crash between create and reply). */
  function ownedBy(job: JsonObject, uid: string): boolean {
    const refs = objectAt(job, "metadata").ownerReferences;
    if (Array.isArray(refs) && refs.some((ref) => isJsonObject(ref) && ref.uid === uid)) {
      return true;
    }
    return stringAt(job, "metadata", "labels", UID_LABEL) === uid;
  }

  async function run(call: JobCall): Promise<MeasurementResult> {
    const identity = runIdentity(call.analysisRun);
    const metric = metricName(call.metric);
    const name = jobName(identity.uid, metric, measurementNumber(call.analysisRun, metric));
    const namespace = namespaceFor(identity);
    const startedAt = now();
    const metadata = { [JOB_NAME_KEY]: name, [JOB_NAMESPACE_KEY]: namespace };
    try {
      await jobs.create(namespace, jobBody(call, identity, metric, name));
    } catch (error) {
      const failure = toKubeError(error, `creating Job ${namespace}/${name}`);
      if (failure.reason !== "AlreadyExists" && failure.status !== 409) {
        return { phase: MeasurementPhase.ERROR, message: failure.message, metadata };
      }
      let existing: JsonObject | undefined;
      try {
        existing = await jobs.get(namespace, name);
      } catch (e) {
        const message = toKubeError(e, `reading Job ${namespace}/${name}`).message;
        return { phase: MeasurementPhase.ERROR, message, metadata };
      }
      if (existing === undefined || !ownedBy(existing, identity.uid)) {
        return {
          phase: MeasurementPhase.ERROR,
          message: `Job ${namespace}/${name} already exists and does not belong to AnalysisRun ${identity.namespace}/${identity.name} (uid ${identity.uid}); delete it or rename the metric`,
          metadata,
        };
      }
    }
    return { phase: MeasurementPhase.RUNNING, startedAt, resumeAt: startedAt, metadata };
  }

  /** The first pod container stuck on an image problem, as the spec words it. */
  async function terminalPodError(
    job: JsonObject,
    namespace: string,
    logger: Logger,
  ): Promise<string | undefined> {
    const matchLabels = objectAt(objectAt(objectAt(job, "spec"), "selector"), "matchLabels");
    const name = stringAt(job, "metadata", "name") ?? "";
    const selector =
      Object.keys(matchLabels).length > 0
        ? Object.entries(matchLabels)
            .map(([key, value]) => `${key}=${String(value)}`)
            .join(",")
        : `job-name=${name}`;
    let pods: JsonObject[];
    try {
      pods = await jobs.listPods(namespace, selector);
    } catch (error) {
      // The Job is still the authority; a failed pod lookup only delays this check.
      logger.warn({ err: errorMessage(error), job: name }, "cannot list the Job's pods");
      return undefined;
    }
    for (const pod of pods) {
      const status = objectAt(pod, "status");
      for (const key of ["initContainerStatuses", "containerStatuses"]) {
        const statuses = status[key];
        if (!Array.isArray(statuses)) continue;
        for (const container of statuses) {
          if (!isJsonObject(container)) continue;
          const waiting = objectAt(objectAt(container, "state"), "waiting");
          const reason = waiting.reason;
          if (typeof reason === "string" && TERMINAL_WAITING.has(reason)) {
            const message = typeof waiting.message === "string" ? waiting.message : "";
            return `Pod ${stringAt(pod, "metadata", "name") ?? ""}, container ${String(container.name)} has terminal error (${reason}): ${message}`;
          }
        }
      }
    }
    return undefined;
  }

  async function resume(
    measurement: { metadata: Record<string, string>; startedAt?: Date | undefined },
    logger: Logger,
  ): Promise<MeasurementResult> {
    const name = measurement.metadata[JOB_NAME_KEY];
    const namespace = measurement.metadata[JOB_NAMESPACE_KEY];
    if (!name || !namespace) {
      return {
        phase: MeasurementPhase.ERROR,
        message:
          "the measurement has no job-name/job-namespace metadata, so there is no Job to follow",
      };
    }
    let job: JsonObject | undefined;
    try {
      job = await jobs.get(namespace, name);
    } catch (error) {
      const message = toKubeError(error, `reading Job ${namespace}/${name}`).message;
      return { phase: MeasurementPhase.ERROR, message };
    }
    if (job === undefined) {
      return {
        phase: MeasurementPhase.ERROR,
        message: `Job ${namespace}/${name} not found: it was deleted before it finished`,
      };
    }
    const conditions = objectAt(job, "status").conditions;
    let phase: MeasurementPhase | undefined;
    // Status is not inspected, as in the original; the last Complete/Failed condition wins.
    for (const condition of Array.isArray(conditions) ? conditions : []) {
      if (!isJsonObject(condition)) continue;
      if (condition.type === "Complete") phase = MeasurementPhase.SUCCESSFUL;
      else if (condition.type === "Failed") phase = MeasurementPhase.FAILED;
    }
    const at = now();
    if (phase !== undefined) return { phase, finishedAt: at };
    const stuck = await terminalPodError(job, namespace, logger);
    if (stuck !== undefined) {
      return { phase: MeasurementPhase.INCONCLUSIVE, message: stuck, finishedAt: at };
    }
    // Back off as the Job runs longer: next look after sqrt(2 × elapsed seconds).
    const started = measurement.startedAt ?? at;
    const elapsedSeconds = Math.max(0, (at.getTime() - started.getTime()) / 1000);
    return {
      phase: MeasurementPhase.RUNNING,
      resumeAt: new Date(at.getTime() + Math.sqrt(2 * elapsedSeconds) * 1000),
    };
  }

  async function terminate(measurement: {
    metadata: Record<string, string>;
  }): Promise<MeasurementResult> {
    const name = measurement.metadata[JOB_NAME_KEY];
    const namespace = measurement.metadata[JOB_NAMESPACE_KEY];
    if (name && namespace) {
      try {
        await jobs.delete(namespace, name);
      } catch (error) {
        const message = toKubeError(error, `deleting Job ${namespace}/${name}`).message;
        return { phase: MeasurementPhase.ERROR, message };
      }
    }
    return { phase: MeasurementPhase.INCONCLUSIVE, message: "Metric Terminated" };
  }

  /** Deletes this metric's oldest Jobs of the run beyond `limit` (spec §2.10, §5.4). */
  async function garbageCollect(call: JobCall, limit: number): Promise<void> {
    const identity = runIdentity(call.analysisRun);
    const metric = metricName(call.metric);
    const namespace = namespaceFor(identity);
    const all = await jobs.list(namespace, `${UID_LABEL}=${identity.uid}`).catch((e: unknown) => {
      throw new PluginError(toKubeError(e, `listing Jobs in ${namespace}`).message, {
        retryable: true,
      });
    });
    // Only this metric's Jobs: the limit is per metric, and another metric's Job may still run.
    const mine = all
      .filter(
        (job) => (stringAt(job, "metadata", "annotations", METRIC_ANNOTATION) ?? metric) === metric,
      )
      .map((job) => ({
        name: stringAt(job, "metadata", "name") ?? "",
        created: Date.parse(stringAt(job, "metadata", "creationTimestamp") ?? "") || 0,
        n: Number(/\.(\d+)$/.exec(stringAt(job, "metadata", "name") ?? "")?.[1] ?? 0),
      }))
      // Oldest first; creation times have second precision, so the measurement number breaks ties.
      .sort((a, b) => a.created - b.created || a.n - b.n || a.name.localeCompare(b.name));
    const excess = mine.slice(0, Math.max(0, mine.length - Math.max(0, limit)));
    for (const job of excess) {
      await jobs.delete(namespace, job.name).catch((e: unknown) => {
        throw new PluginError(toKubeError(e, `deleting Job ${namespace}/${job.name}`).message, {
          retryable: true,
        });
      });
    }
  }

  return { run, resume, terminate, garbageCollect };
}
