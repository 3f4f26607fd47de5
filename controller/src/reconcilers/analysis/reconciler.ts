// One AnalysisRun pass (spec/analysis-and-providers.md §2.1): resolve arguments (Secrets are
// read at every pass), plan (pure), call the metric-provider plugins for the planned tasks in
// parallel, complete (pure), then persist the status as a merge patch, record events, ask the
// providers to garbage-collect, and requeue for the next measurement. The only state kept
// between passes is each metric's precise last finish time (see FinishTimes): without it, the
// whole-second status times would make every run measured in one second due at one instant.
import type { Logger } from "pino";
import { Histogram, type Registry } from "prom-client";
import { resolveFieldPath } from "../../analysis/field-path.js";
import {
  type ArgResolution,
  completeAnalysisRun,
  type FinishTime,
  planAnalysisRun,
  type TaskOutcome,
} from "../../analysis/run/index.js";
import type { AnalysisRun, AnalysisRunStatus } from "../../api/analysis.js";
import { analysisRunParser, describeParseErrors } from "../../api/parse.js";
import type { PluginHost } from "../../plugins/host.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { Informer } from "../../runtime/informer.js";
import type { KubeClient } from "../../runtime/kube.js";
import { isNotFound } from "../../runtime/kube-errors.js";
import { type KubeObject, RESOURCES, splitObjectKey } from "../../runtime/kube-resources.js";
import { analysisRunLogger, errorMessage } from "../../runtime/logger.js";
import type { ControllerMetrics } from "../../runtime/metrics.js";
import type { KeyHandler } from "../../runtime/work-queue.js";
import { executeTask, garbageCollect, runJsonOnce } from "./provider-call.js";
import { statusMergePatch } from "./status-patch.js";

export interface AnalysisRunReconcilerDeps {
  client: KubeClient;
  runs: Informer;
  recorder: EventRecorder;
  plugins: PluginHost;
  log: Logger;
  metrics?: ControllerMetrics;
  now?: () => number;
}

/** `secretKeyRef` values from the run's namespace and `fieldRef` values from the run itself. */
async function resolveArgs(
  client: KubeClient,
  raw: KubeObject,
  run: AnalysisRun,
): Promise<Record<string, ArgResolution>> {
  const out: Record<string, ArgResolution> = {};
  const namespace = raw.metadata.namespace ?? "default";
  for (const arg of run.spec.args ?? []) {
    const from = arg.valueFrom;
    if (arg.value !== undefined || from === undefined) continue;
    if (from.secretKeyRef !== undefined) {
      const { name, key } = from.secretKeyRef;
      try {
        const secret = await client.get(RESOURCES.secrets, namespace, name);
        const data = (secret as { data?: Record<string, string> }).data ?? {};
        const encoded = Object.hasOwn(data, key) ? data[key] : undefined;
        out[arg.name] =
          encoded === undefined
            ? { error: `key '${key}' does not exist in secret '${name}'` }
            : { value: Buffer.from(encoded, "base64").toString("utf8"), secret: true };
      } catch (error) {
        out[arg.name] = {
          error: isNotFound(error)
            ? `secret '${name}' not found in namespace ${namespace}`
            : `could not read secret '${name}': ${errorMessage(error)}`,
        };
      }
    } else if (from.fieldRef !== undefined) {
      const found = resolveFieldPath(raw, from.fieldRef.fieldPath);
      out[arg.name] = found.ok ? { value: found.value } : { error: found.error };
    }
  }
  return out;
}

/**
 * How late measurements start against the moment they became due (spec §2.3: finishedAt +
 * interval): the figure the analysis benchmark reports. One histogram per registry.
 */
const latenessHistograms = new WeakMap<Registry, Histogram>();
function latenessHistogram(metrics: ControllerMetrics | undefined): Histogram | undefined {
  if (metrics === undefined) return undefined;
  let histogram = latenessHistograms.get(metrics.registry);
  if (histogram === undefined) {
    histogram = new Histogram({
      name: "sluice_analysis_measurement_lateness_seconds",
      help: "Delay between the moment a measurement was due and the moment its provider call started.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    latenessHistograms.set(metrics.registry, histogram);
  }
  return histogram;
}

export function analysisRunReconciler(deps: AnalysisRunReconcilerDeps): KeyHandler {
  const now = deps.now ?? Date.now;
  const lateness = latenessHistogram(deps.metrics);
  // Per run (namespace/name, uid), the precise finish of each metric's last measurement.
  const finishes = new Map<string, { uid: string; times: readonly FinishTime[] }>();
  return async (key) => {
    const { namespace, name } = splitObjectKey(key);
    const raw = deps.runs.get(namespace, name);
    if (raw === undefined || raw.metadata.deletionTimestamp !== undefined) {
      finishes.delete(key);
      return undefined;
    }
    const uid = raw.metadata.uid ?? "";
    const known = finishes.get(key);
    const remembered = known?.uid === uid ? known.times : [];
    // A child logger costs more than a pass's own planning: made only when there is a line to log.
    const log = () => analysisRunLogger(deps.log, namespace, name);
    const started = performance.now();
    try {
      const parsed = analysisRunParser.parse(raw);
      if (!parsed.ok) {
        // A run that does not match the schema cannot be measured: it ends Error (§1.6).
        const message = describeParseErrors("AnalysisRun", raw, parsed.errors);
        const previous = raw.status as AnalysisRunStatus | undefined;
        if (previous?.phase !== "Error") {
          await writeStatus(deps, raw, previous, {
            ...previous,
            phase: "Error",
            message: `Analysis spec invalid: ${message}`,
          });
          deps.recorder.warning(raw, "AnalysisRunError", message);
        }
        return undefined;
      }
      const run = parsed.value;
      const args = (run.spec.args ?? []).some((arg) => arg.valueFrom !== undefined)
        ? await resolveArgs(deps.client, raw, run)
        : {};
      const nowMs = now();
      const planned = planAnalysisRun({
        run,
        nowMs,
        args,
        finishTimes: (metricName, finishedAt) =>
          remembered.find((f) => f.metricName === metricName && f.finishedAt === finishedAt)?.ms,
      });
      if (planned.kind === "completed") {
        finishes.delete(key);
        if (planned.ttl.deleteNow) {
          log().info("deleting the analysis run: its ttlStrategy expired");
          try {
            await deps.client.delete(RESOURCES.analysisRuns, namespace, name, {
              ...(raw.metadata.uid === undefined ? {} : { uid: raw.metadata.uid }),
            });
          } catch (error) {
            if (!isNotFound(error)) throw error;
          }
          return undefined;
        }
        return planned.ttl.requeueAfterMs === undefined
          ? undefined
          : { requeueAfterMs: planned.ttl.requeueAfterMs };
      }
      // The run as JSON is the same for every provider call of this pass: encode it once.
      const runJson = runJsonOnce(run);
      let decidedAtMs = nowMs;
      let update = planned.kind === "invalid" ? planned.update : undefined;
      if (planned.kind === "measure") {
        const outcomes = await Promise.all(
          planned.tasks.map((task): Promise<TaskOutcome> => {
            if (task.dueAtMs !== undefined)
              lateness?.observe(Math.max(0, now() - task.dueAtMs) / 1000);
            return executeTask(deps.plugins, run, task, now, runJson);
          }),
        );
        decidedAtMs = now();
        update = completeAnalysisRun({
          run,
          context: planned.context,
          outcomes,
          nowMs: decidedAtMs,
        });
      }
      if (update === undefined) return undefined;
      const gcFailed = new Set<string>();
      for (const gc of update.garbageCollect) {
        const problem = await garbageCollect(deps.plugins, run, gc.metric, gc.limit, runJson);
        if (problem === undefined) continue;
        // §6: the measurements are not trimmed this pass; the next pass tries again.
        gcFailed.add(gc.metricName);
        log().warn({ metric: gc.metricName }, `failed to garbage collect via plugin: ${problem}`);
      }
      const status = gcFailed.size === 0 ? update.status : update.keepingUntrimmed(gcFailed);
      if (update.changed) await writeStatus(deps, raw, run.status, status);
      if (update.finishTimes.length > 0) {
        const fresh = new Set(update.finishTimes.map((f) => f.metricName));
        finishes.set(key, {
          uid,
          times: [...remembered.filter((f) => !fresh.has(f.metricName)), ...update.finishTimes],
        });
      }
      for (const event of update.events) {
        deps.recorder.event(raw, event.type, event.reason, event.message);
      }
      if (update.requeueAfterMs === undefined) return undefined;
      // The delay counts from the moment it was decided, not from the end of this pass: the
      // status write and garbage collection must not push the next measurement later (§2.11).
      return { requeueAfterMs: Math.max(0, update.requeueAfterMs - (now() - decidedAtMs)) };
    } catch (error) {
      deps.metrics?.analysisRunReconcileFailed(namespace, name);
      throw error;
    } finally {
      deps.metrics?.observeAnalysisRunReconcile(
        namespace,
        name,
        (performance.now() - started) / 1000,
      );
    }
  };
}

async function writeStatus(
  deps: AnalysisRunReconcilerDeps,
  raw: KubeObject,
  before: AnalysisRunStatus | undefined,
  after: AnalysisRunStatus,
): Promise<void> {
  const patch = statusMergePatch(before, after);
  if (patch === undefined) return;
  try {
    // The answer (the whole run) is not used: the informer sees the change anyway.
    await deps.client.patchWithoutResult(
      RESOURCES.analysisRuns,
      raw.metadata.namespace ?? "default",
      raw.metadata.name,
      { status: patch },
      { subresource: "status" },
    );
  } catch (error) {
    // Deleted meanwhile (rollout history cleanup, TTL): nothing left to record.
    if (!isNotFound(error)) throw error;
  }
}
