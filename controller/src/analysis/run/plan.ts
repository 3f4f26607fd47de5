// One reconcile of an AnalysisRun as two pure steps (spec/analysis-and-providers.md §2.1):
//
//   planAnalysisRun(run, now, args)       -> TTL only | Error status | tasks to execute
//   (executor runs the tasks in parallel: provider Run / Resume / Terminate, GetMetadata)
//   completeAnalysisRun(run, context, outcomes, now) -> new status, events, provider GC, requeue
//
// No I/O here: the executor reads Secrets/fields for args, calls providers, patches status,
// records events and requeues.
import type {
  AnalysisRun,
  AnalysisRunStatus,
  Metric,
  MetricResult,
  RunSummary,
} from "../../api/analysis.js";
import { sameJsonValue } from "../same-json.js";
import {
  type ArgResolution,
  collectArgValues,
  maskedArgValues,
  redactSecrets,
  templateMetric,
} from "./args.js";
import { assessRun, type RunEvent } from "./assess.js";
import { isTerminalPhase, lastMeasurement } from "./phases.js";
import { recordOutcomes, type TaskOutcome } from "./record.js";
import {
  type FinishTimes,
  IN_FLIGHT_RECHECK_MS,
  isTerminating,
  type MeasurementTask,
  nextReconcileAt,
  scheduleTasks,
} from "./schedule.js";
import { type MetricSettings, metricSettings } from "./settings.js";
import { formatTime, parseTime } from "./time.js";
import { type TtlDecision, ttlDecision } from "./ttl.js";
import { validateConditions, validateRunMetrics } from "./validate.js";

export interface PlanInput {
  readonly run: AnalysisRun;
  readonly nowMs: number;
  /**
   * The caller's resolution of arguments by name: `valueFrom.secretKeyRef` read from the
   * run's namespace (mark `secret: true`), `fieldRef` if the caller supports it, or an
   * error. Arguments with a literal `value` need no entry.
   */
  readonly args: Readonly<Record<string, ArgResolution>>;
  /** Precise finish times of earlier measurements, when the executor remembers them. */
  readonly finishTimes?: FinishTimes;
}

/** Carried from planAnalysisRun to completeAnalysisRun unchanged. */
export interface MeasureContext {
  /** Templated metrics (secrets included) and their settings, in spec order. */
  readonly settings: readonly MetricSettings[];
  /** Secret argument values, masked as `*****` in messages and metadata. */
  readonly secretValues: readonly string[];
  /** Terminating before this pass (§2.3). */
  readonly terminating: boolean;
  readonly finishTimes?: FinishTimes;
}

/** A measurement finished in this pass: its status time and the precise moment behind it. */
export interface FinishTime {
  readonly metricName: string;
  readonly finishedAt: string;
  readonly ms: number;
}

export interface GarbageCollectRequest {
  readonly metricName: string;
  /** Templated metric, for provider.GarbageCollect(run, metric, limit). */
  readonly metric: Metric;
  readonly limit: number;
}

export interface AnalysisRunUpdate {
  /** The whole new status; persist it (merge patch) when `changed`. */
  readonly status: AnalysisRunStatus;
  readonly changed: boolean;
  /** Kubernetes events to record on the AnalysisRun. */
  readonly events: readonly RunEvent[];
  /** Call provider GarbageCollect for these before (or while) persisting the trimmed status (§2.10). */
  readonly garbageCollect: readonly GarbageCollectRequest[];
  /** `status` with these metrics' measurements left untrimmed: their GarbageCollect failed (§6). */
  readonly keepingUntrimmed: (metricNames: ReadonlySet<string>) => AnalysisRunStatus;
  /** Requeue after this many milliseconds; undefined = no timed requeue. */
  readonly requeueAfterMs: number | undefined;
  /** Measurements finished in this pass, for the executor to remember (see FinishTimes). */
  readonly finishTimes: readonly FinishTime[];
}

export type AnalysisRunPlan =
  /** Terminal run: only TTL handling (§2.12). */
  | { readonly kind: "completed"; readonly ttl: TtlDecision }
  /** Arguments or spec invalid: write this Error status, take no measurement. */
  | { readonly kind: "invalid"; readonly update: AnalysisRunUpdate }
  /** Execute `tasks` (possibly none) in parallel, then call completeAnalysisRun. */
  | {
      readonly kind: "measure";
      readonly tasks: readonly MeasurementTask[];
      readonly context: MeasureContext;
    };

function resultsByName(status: AnalysisRunStatus | undefined): Map<string, MetricResult> {
  return new Map((status?.metricResults ?? []).map((r) => [r.name, r]));
}

export function planAnalysisRun(input: PlanInput): AnalysisRunPlan {
  const { run, nowMs } = input;
  if (isTerminalPhase(run.status?.phase)) {
    return { kind: "completed", ttl: ttlDecision(run.spec, run.status, nowMs) };
  }
  const argValues = collectArgValues(run.spec.args, input.args);
  if (!argValues.ok)
    return invalid(run, `Unable to resolve metric arguments: ${argValues.error}`, nowMs);

  // Validate with secrets masked (§2.1 step 2), measure with the real values.
  const masked = maskedArgValues(argValues.value);
  const maskedMetrics: Metric[] = [];
  const metrics: Metric[] = [];
  for (const metric of run.spec.metrics ?? []) {
    const maskedMetric = templateMetric(metric, masked);
    if (!maskedMetric.ok)
      return invalid(run, `Unable to resolve metric arguments: ${maskedMetric.error}`, nowMs);
    const real = templateMetric(metric, argValues.value);
    if (!real.ok) return invalid(run, `Unable to resolve metric arguments: ${real.error}`, nowMs);
    maskedMetrics.push(maskedMetric.value);
    metrics.push(real.value);
  }
  const problem =
    validateRunMetrics(maskedMetrics, run.spec) ??
    redactOptional(validateConditions(metrics), argValues.value.secretValues);
  if (problem !== undefined) return invalid(run, `Analysis spec invalid: ${problem}`, nowMs);

  const settings = metrics.map((m) => metricSettings(m, run.spec));
  const results = resultsByName(run.status);
  const terminating = isTerminating(run.spec.terminate === true, settings, results);
  const startedAtMs = parseTime(run.status?.startedAt);
  return {
    kind: "measure",
    tasks: scheduleTasks(settings, results, startedAtMs, nowMs, terminating, input.finishTimes),
    context: {
      settings,
      secretValues: argValues.value.secretValues,
      terminating,
      ...(input.finishTimes === undefined ? {} : { finishTimes: input.finishTimes }),
    },
  };
}

export interface CompleteInput {
  readonly run: AnalysisRun;
  readonly context: MeasureContext;
  /** One per executed task (any order); provider failures as Error measurements (see errorOutcome). */
  readonly outcomes: readonly TaskOutcome[];
  readonly nowMs: number;
}

export function completeAnalysisRun(input: CompleteInput): AnalysisRunUpdate {
  const { run, context, nowMs } = input;
  const before = run.status;
  const recorded = recordOutcomes(
    resultsByName(before),
    context.settings,
    context.secretValues,
    input.outcomes,
    nowMs,
  );
  const assessment = assessRun({
    settings: context.settings,
    results: recorded.results,
    terminating: context.terminating,
    terminate: run.spec.terminate === true,
  });

  const phaseChanged = assessment.phase !== before?.phase;
  const terminal = isTerminalPhase(assessment.phase);
  const startedAt = before?.startedAt ?? formatTime(nowMs);
  const statusWith = (results: ReadonlyMap<string, MetricResult>): AnalysisRunStatus =>
    compactStatus({
      phase: assessment.phase,
      message: phaseChanged ? assessment.message : before?.message,
      metricResults: orderedResults(context.settings, results, before?.metricResults ?? []),
      startedAt,
      completedAt: terminal
        ? phaseChanged
          ? formatTime(nowMs)
          : (before?.completedAt ?? formatTime(nowMs))
        : undefined,
      runSummary: assessment.runSummary,
      dryRunSummary: assessment.dryRunSummary,
    });
  const status = statusWith(assessment.results);
  // §6: when a provider's GarbageCollect fails, that metric's measurements are not trimmed
  // this pass (counters and phases as assessed; only the measurement list is kept whole).
  const keepingUntrimmed = (metricNames: ReadonlySet<string>): AnalysisRunStatus => {
    const results = new Map(assessment.results);
    for (const name of metricNames) {
      const whole = recorded.untrimmed.get(name);
      const assessed = results.get(name);
      if (whole !== undefined && assessed !== undefined)
        results.set(name, { ...assessed, measurements: whole.measurements });
    }
    return statusWith(results);
  };

  const events: RunEvent[] = [...assessment.events];
  if (terminal && phaseChanged) {
    events.push({
      type: assessment.phase === "Failed" || assessment.phase === "Error" ? "Warning" : "Normal",
      reason: `AnalysisRun${assessment.phase}`,
      message:
        assessment.message === ""
          ? `Analysis run completed: ${assessment.phase}`
          : `Analysis run completed: ${assessment.phase}: ${assessment.message}`,
    });
  }

  // The precise moment of each measurement finished now: within its (whole-second) status time.
  const finished: FinishTime[] = [];
  for (const outcome of input.outcomes) {
    const last = lastMeasurement(assessment.results.get(outcome.metricName));
    const at = parseTime(last?.finishedAt);
    if (last?.finishedAt === undefined || at === undefined) continue;
    finished.push({
      metricName: outcome.metricName,
      finishedAt: last.finishedAt,
      ms: Math.min(Math.max(nowMs, at), at + 999),
    });
  }
  const finishTimes: FinishTimes = (metricName, finishedAt) => {
    const now = finished.find((f) => f.metricName === metricName && f.finishedAt === finishedAt);
    return now?.ms ?? context.finishTimes?.(metricName, finishedAt);
  };

  let requeueAfterMs: number | undefined;
  if (terminal) {
    requeueAfterMs = ttlDecision(run.spec, status, nowMs).requeueAfterMs;
  } else if (assessment.terminating) {
    // In-flight measurements still to be terminated.
    requeueAfterMs = IN_FLIGHT_RECHECK_MS;
  } else {
    const at = nextReconcileAt(
      context.settings,
      assessment.results,
      parseTime(startedAt) ?? nowMs,
      nowMs,
      finishTimes,
    );
    requeueAfterMs = at === undefined ? undefined : Math.max(0, at - nowMs);
  }

  return {
    status,
    changed: !sameJsonValue(compactStatus(before ?? {}), status),
    events,
    garbageCollect: recorded.garbageCollect,
    keepingUntrimmed,
    requeueAfterMs,
    finishTimes: finished,
  };
}

function invalid(run: AnalysisRun, message: string, nowMs: number): AnalysisRunPlan {
  const before = run.status;
  const now = formatTime(nowMs);
  const status = compactStatus({
    ...before,
    phase: "Error",
    message,
    startedAt: before?.startedAt ?? now,
    completedAt: now,
    dryRunSummary: before?.dryRunSummary ?? {},
  });
  return {
    kind: "invalid",
    update: {
      status,
      changed: true,
      events: [
        {
          type: "Warning",
          reason: "AnalysisRunError",
          message: `Analysis run completed: Error: ${message}`,
        },
      ],
      garbageCollect: [],
      keepingUntrimmed: () => status,
      requeueAfterMs: ttlDecision(run.spec, status, nowMs).requeueAfterMs,
      finishTimes: [],
    },
  };
}

/** Spec order (Open point 7); results of metrics no longer in the spec are kept after them. */
function orderedResults(
  settings: readonly MetricSettings[],
  results: ReadonlyMap<string, MetricResult>,
  previous: readonly MetricResult[],
): MetricResult[] {
  const names = new Set(settings.map((s) => s.name));
  const ordered: MetricResult[] = [];
  for (const s of settings) {
    const result = results.get(s.name);
    if (result !== undefined) ordered.push(result);
  }
  for (const result of previous) if (!names.has(result.name)) ordered.push(result);
  return ordered;
}

const COUNTERS = [
  "count",
  "successful",
  "failed",
  "inconclusive",
  "error",
  "consecutiveError",
  "consecutiveSuccess",
] as const;

/** Zero counters and empty strings vanish from the status, as the original's omitempty. */
function compactResult(result: MetricResult): MetricResult {
  const out: Record<string, unknown> = { ...result };
  for (const key of COUNTERS) if (out[key] === 0) delete out[key];
  if (out.message === "") delete out.message;
  if (out.dryRun === false) delete out.dryRun;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as MetricResult;
}

function compactSummary(summary: RunSummary): RunSummary {
  // Loops rather than entries/filter/fromEntries: this runs twice per measurement pass.
  const out: Record<string, unknown> = {};
  for (const key in summary) {
    const value = (summary as Record<string, unknown>)[key];
    if (value !== undefined && value !== 0) out[key] = value;
  }
  return out as RunSummary;
}

function compactStatus(status: AnalysisRunStatus): AnalysisRunStatus {
  const out: AnalysisRunStatus = {};
  if (status.phase !== undefined && status.phase !== "") out.phase = status.phase;
  if (status.message !== undefined && status.message !== "") out.message = status.message;
  if (status.metricResults !== undefined && status.metricResults.length > 0) {
    out.metricResults = status.metricResults.map(compactResult);
  }
  if (status.startedAt !== undefined) out.startedAt = status.startedAt;
  if (status.completedAt !== undefined) out.completedAt = status.completedAt;
  if (status.runSummary !== undefined) {
    const summary = compactSummary(status.runSummary);
    if (Object.keys(summary).length > 0) out.runSummary = summary;
  }
  // dryRunSummary is always written, possibly {} (§1.5).
  if (status.dryRunSummary !== undefined) out.dryRunSummary = compactSummary(status.dryRunSummary);
  return out;
}

function redactOptional(text: string | undefined, secrets: readonly string[]): string | undefined {
  return text === undefined ? undefined : redactSecrets(text, secrets);
}
