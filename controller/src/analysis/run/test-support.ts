// A deterministic driver for the pure AnalysisRun functions, used by the tests: a scripted
// provider answers each task, time jumps to the requested requeue, and every pass is logged.
import type { AnalysisRun, Measurement, Metric, MetricResult } from "../../api/analysis.js";
import type { ArgResolution } from "./args.js";
import { measurementPhaseFromResult } from "./conditions.js";
import { type AnalysisRunUpdate, completeAnalysisRun, planAnalysisRun } from "./plan.js";
import type { TaskOutcome } from "./record.js";
import type { MeasurementTask } from "./schedule.js";
import { formatTime } from "./time.js";

/** What the scripted provider answers for one task. */
export type ScriptedAnswer =
  | { readonly result: unknown }
  | { readonly error: string }
  | { readonly running: { readonly resumeAfterMs?: number } }
  | { readonly phase: string; readonly message?: string };

export type ProviderScript = (task: MeasurementTask, nowMs: number, call: number) => ScriptedAnswer;

export interface Pass {
  readonly atMs: number;
  readonly tasks: readonly string[];
  readonly update: AnalysisRunUpdate | undefined;
  readonly run: AnalysisRun;
}

export const T0 = Date.parse("2026-01-05T10:00:00Z");

export function metric(partial: Partial<Metric> & { name: string }): Metric {
  return { provider: { web: { url: "http://127.0.0.1/x" } }, ...partial };
}

export function analysisRun(
  spec: Partial<AnalysisRun["spec"]> & { metrics: Metric[] },
): AnalysisRun {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name: "run", namespace: "default", uid: "u-1" },
    spec,
  };
}

function answerToMeasurement(
  task: MeasurementTask,
  answer: ScriptedAnswer,
  nowMs: number,
): Measurement {
  const now = formatTime(nowMs);
  const startedAt = task.measurement?.startedAt ?? now;
  if ("result" in answer) {
    const verdict = measurementPhaseFromResult(task.metric, answer.result);
    return {
      phase: verdict.phase,
      value: JSON.stringify(answer.result) ?? "null",
      ...(verdict.message !== undefined ? { message: verdict.message } : {}),
      startedAt,
      finishedAt: now,
    };
  }
  if ("error" in answer)
    return { phase: "Error", message: answer.error, startedAt, finishedAt: now };
  if ("running" in answer) {
    return {
      phase: "Running",
      startedAt,
      ...(answer.running.resumeAfterMs !== undefined
        ? { resumeAt: formatTime(nowMs + answer.running.resumeAfterMs) }
        : {}),
    };
  }
  return {
    phase: answer.phase,
    startedAt,
    ...(answer.message !== undefined ? { message: answer.message } : {}),
  };
}

/** Runs reconciles until the run is terminal (plus one TTL pass) or `maxPasses`. */
export function simulate(
  initial: AnalysisRun,
  script: ProviderScript,
  options: {
    readonly startMs?: number;
    readonly maxPasses?: number;
    readonly args?: Readonly<Record<string, ArgResolution>>;
    /** Called before each pass; may change the run (e.g. set spec.terminate). */
    readonly before?: (run: AnalysisRun, pass: number, nowMs: number) => AnalysisRun;
  } = {},
): Pass[] {
  let run = initial;
  let nowMs = options.startMs ?? T0;
  const passes: Pass[] = [];
  const calls = new Map<string, number>();
  for (let pass = 0; pass < (options.maxPasses ?? 50); pass++) {
    if (options.before !== undefined) run = options.before(run, pass, nowMs);
    const plan = planAnalysisRun({ run, nowMs, args: options.args ?? {} });
    if (plan.kind === "completed") break;
    let update: AnalysisRunUpdate;
    let taskNames: string[] = [];
    if (plan.kind === "invalid") {
      update = plan.update;
    } else {
      taskNames = plan.tasks.map((t) => `${t.action}:${t.metricName}`);
      const outcomes: TaskOutcome[] = plan.tasks.map((task) => {
        const call = (calls.get(task.metricName) ?? 0) + 1;
        calls.set(task.metricName, call);
        return {
          metricName: task.metricName,
          action: task.action,
          measurement: answerToMeasurement(task, script(task, nowMs, call), nowMs),
          ...(task.fetchMetadata
            ? { metricMetadata: { source: `metadata of ${task.metricName}` } }
            : {}),
        };
      });
      update = completeAnalysisRun({ run, context: plan.context, outcomes, nowMs });
    }
    run = { ...run, status: update.status };
    passes.push({ atMs: nowMs, tasks: taskNames, update, run });
    if (plan.kind === "invalid" || update.requeueAfterMs === undefined) break;
    if (update.status.phase !== "Running") break;
    nowMs += Math.max(update.requeueAfterMs, 1);
  }
  return passes;
}

export function resultOf(run: AnalysisRun, name: string): MetricResult | undefined {
  return run.status?.metricResults?.find((r) => r.name === name);
}

/** Counters as a compact object for table assertions. */
export function counters(result: MetricResult | undefined): Record<string, number | string> {
  if (result === undefined) return {};
  const out: Record<string, number | string> = { phase: result.phase };
  for (const key of [
    "count",
    "successful",
    "failed",
    "inconclusive",
    "error",
    "consecutiveError",
    "consecutiveSuccess",
  ] as const) {
    const value = result[key];
    if (value !== undefined && value !== 0) out[key] = value;
  }
  return out;
}

/** Scripted answers per call number (1-based), repeating the last one. */
export function sequence(answers: readonly ScriptedAnswer[]): ProviderScript {
  return (_task, _now, call) => {
    const answer = answers[Math.min(call, answers.length) - 1];
    if (answer === undefined) throw new Error("empty script");
    return answer;
  };
}
