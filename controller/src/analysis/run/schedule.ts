// Which metrics get a measurement now (spec/analysis-and-providers.md §2.3) and when the
// run must be looked at again (§2.11).
import type { Measurement, Metric, MetricResult } from "../../api/analysis.js";
import { isTerminalPhase, lastMeasurement } from "./phases.js";
import { ERROR_RETRY_INTERVAL_MS, type MetricSettings } from "./settings.js";
import { parseTime } from "./time.js";

export type TaskAction = "run" | "resume" | "terminate";

/** One provider call the executor makes for this reconcile. */
export interface MeasurementTask {
  readonly metricName: string;
  /** `run`: Run(run, metric). `resume`: Resume(run, metric, measurement). `terminate`: Terminate(run, metric, measurement). */
  readonly action: TaskAction;
  /** The metric with arguments (secrets included) substituted: what the provider receives. */
  readonly metric: Metric;
  /** The in-flight measurement, for `resume` and `terminate`. */
  readonly measurement?: Measurement;
  /** No result exists yet: also call GetMetadata(metric) and return it in the outcome (§2.4). */
  readonly fetchMetadata: boolean;
  readonly dryRun: boolean;
  /**
   * For `run` tasks after the first: when the measurement became due (last finishedAt + gap,
   * just past it). The executor reports how late it actually started (lateness metric).
   */
  readonly dueAtMs?: number;
}

/**
 * The precise time (epoch ms) a metric's last measurement finished, when the caller knows it.
 * Status times have whole seconds, so every run measured during one second would be due again
 * at the same instant: the executor remembers the real moment, and the schedule uses it.
 */
export type FinishTimes = (metricName: string, finishedAt: string) => number | undefined;

/** When the measurement finished: the precise time if known, else its status time. */
function finishedAtMs(
  last: Measurement,
  metricName: string,
  finishTimes: FinishTimes | undefined,
  nowMs: number,
): number {
  if (last.finishedAt === undefined) return nowMs;
  return finishTimes?.(metricName, last.finishedAt) ?? parseTime(last.finishedAt) ?? nowMs;
}

/** An in-flight measurement without resumeAt is re-checked after this. */
export const IN_FLIGHT_RECHECK_MS = 1_000;

/** `spec.terminate`, or a non-dry-run metric already Failed, Error or Inconclusive (§2.3). */
export function isTerminating(
  terminate: boolean,
  settings: readonly MetricSettings[],
  results: ReadonlyMap<string, MetricResult>,
): boolean {
  if (terminate) return true;
  return settings.some((s) => {
    const phase = results.get(s.name)?.phase;
    return !s.dryRun && (phase === "Failed" || phase === "Error" || phase === "Inconclusive");
  });
}

function unfinished(measurement: Measurement): boolean {
  return measurement.finishedAt === undefined;
}

/** Pause after the last finished measurement: 10 s after an Error, else the interval (else 10 s). */
function gapAfter(last: Measurement, s: MetricSettings): number {
  if (last.phase === "Error") return ERROR_RETRY_INTERVAL_MS;
  return s.intervalMs ?? ERROR_RETRY_INTERVAL_MS;
}

export function scheduleTasks(
  settings: readonly MetricSettings[],
  results: ReadonlyMap<string, MetricResult>,
  startedAtMs: number | undefined,
  nowMs: number,
  terminating: boolean,
  finishTimes?: FinishTimes,
): MeasurementTask[] {
  const tasks: MeasurementTask[] = [];
  for (const s of settings) {
    const result = results.get(s.name);
    const base = {
      metricName: s.name,
      metric: s.metric,
      dryRun: s.dryRun,
      fetchMetadata: result === undefined,
    };
    if (isTerminalPhase(result?.phase)) continue;
    const last = lastMeasurement(result);
    if (last !== undefined && unfinished(last)) {
      const resumeAt = parseTime(last.resumeAt);
      if (!terminating && resumeAt !== undefined && resumeAt > nowMs) continue;
      tasks.push({ ...base, action: terminating ? "terminate" : "resume", measurement: last });
      continue;
    }
    if (terminating) continue;
    if (last === undefined) {
      if (s.initialDelayMs !== undefined) {
        // startedAt is written by this reconcile the first time, so a delayed metric waits a pass.
        if (startedAtMs === undefined || startedAtMs + s.initialDelayMs > nowMs) continue;
      }
      tasks.push({ ...base, action: "run" });
      continue;
    }
    if (s.effectiveCount !== undefined && (result?.count ?? 0) >= s.effectiveCount) continue;
    const dueAtMs = finishedAtMs(last, s.name, finishTimes, nowMs) + gapAfter(last, s) + 1;
    if (nowMs >= dueAtMs) tasks.push({ ...base, action: "run", dueAtMs });
  }
  return tasks;
}

/**
 * Absolute time (epoch ms) of the next reconcile this run needs, or undefined. Earliest of:
 * a delayed first measurement, an in-flight measurement's resumeAt, the next measurement
 * after the gap (none once count is reached, or without an interval unless retrying an Error).
 */
export function nextReconcileAt(
  settings: readonly MetricSettings[],
  results: ReadonlyMap<string, MetricResult>,
  startedAtMs: number,
  nowMs: number,
  finishTimes?: FinishTimes,
): number | undefined {
  let earliest: number | undefined;
  const consider = (at: number): void => {
    if (earliest === undefined || at < earliest) earliest = at;
  };
  for (const s of settings) {
    const result = results.get(s.name);
    if (isTerminalPhase(result?.phase)) continue;
    const last = lastMeasurement(result);
    if (last === undefined) {
      consider(
        s.initialDelayMs !== undefined
          ? startedAtMs + s.initialDelayMs
          : nowMs + IN_FLIGHT_RECHECK_MS,
      );
      continue;
    }
    if (unfinished(last)) {
      // Open point (ours): an in-flight measurement without resumeAt is resumed at every
      // reconcile upstream; we re-check it after a second rather than spin.
      consider(parseTime(last.resumeAt) ?? nowMs + IN_FLIGHT_RECHECK_MS);
      continue;
    }
    if (s.effectiveCount !== undefined && (result?.count ?? 0) >= s.effectiveCount) continue;
    if (last.phase !== "Error" && s.intervalMs === undefined) continue;
    // The scheduler measures strictly after finishedAt + gap: come back just past it.
    consider(finishedAtMs(last, s.name, finishTimes, nowMs) + gapAfter(last, s) + 1);
  }
  return earliest;
}
