// Recording provider answers into metric results (spec/analysis-and-providers.md §2.4) and
// trimming them to the retention limit (§2.10).
import type { Measurement, Metric, MetricResult } from "../../api/analysis.js";
import { redactSecrets } from "./args.js";
import { isTerminalPhase } from "./phases.js";
import type { MeasurementTask, TaskAction } from "./schedule.js";
import type { MetricSettings } from "./settings.js";
import { formatTime } from "./time.js";

/** What the executor got for one task. Provider failures arrive as an Error measurement. */
export interface TaskOutcome {
  readonly metricName: string;
  readonly action: TaskAction;
  readonly measurement: Measurement;
  /** GetMetadata(metric), when the task asked for it. */
  readonly metricMetadata?: Readonly<Record<string, string>>;
}

/** The measurement the executor records when a provider cannot be reached or created. */
export function errorOutcome(task: MeasurementTask, message: string, nowMs: number): TaskOutcome {
  const at = formatTime(nowMs);
  return {
    metricName: task.metricName,
    action: task.action,
    measurement: {
      phase: "Error",
      message,
      startedAt: task.measurement?.startedAt ?? at,
      finishedAt: at,
    },
  };
}

function redactMap(
  map: Readonly<Record<string, string>> | undefined,
  secrets: readonly string[],
): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) out[key] = redactSecrets(value, secrets);
  return out;
}

function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

/** Normalises the provider's measurement: times, the terminate message, no secrets. */
function normalise(outcome: TaskOutcome, nowMs: number, secrets: readonly string[]): Measurement {
  const m = outcome.measurement;
  const terminal = isTerminalPhase(m.phase);
  let message = m.message;
  if (outcome.action === "terminate" && (m.phase === "Successful" || m.phase === "Inconclusive")) {
    message = "Metric Terminated";
  }
  return withoutUndefined({
    phase: m.phase,
    value: m.value === "" ? undefined : m.value,
    message: message === undefined || message === "" ? undefined : redactSecrets(message, secrets),
    startedAt: m.startedAt ?? formatTime(nowMs),
    finishedAt: terminal ? (m.finishedAt ?? formatTime(nowMs)) : undefined,
    resumeAt: terminal ? undefined : m.resumeAt,
    metadata:
      m.metadata === undefined || Object.keys(m.metadata).length === 0
        ? undefined
        : redactMap(m.metadata, secrets),
  });
}

function bump(value: number | undefined): number {
  return (value ?? 0) + 1;
}

/** Counters of the table in §2.4; a non-final phase changes none. */
function countPhase(result: MetricResult, phase: string): MetricResult {
  switch (phase) {
    case "Successful":
      return {
        ...result,
        successful: bump(result.successful),
        count: bump(result.count),
        consecutiveError: 0,
        consecutiveSuccess: bump(result.consecutiveSuccess),
      };
    case "Failed":
      return {
        ...result,
        failed: bump(result.failed),
        count: bump(result.count),
        consecutiveError: 0,
        consecutiveSuccess: 0,
      };
    case "Inconclusive":
      return {
        ...result,
        inconclusive: bump(result.inconclusive),
        count: bump(result.count),
        consecutiveError: 0,
        consecutiveSuccess: 0,
      };
    case "Error":
      return {
        ...result,
        error: bump(result.error),
        consecutiveError: bump(result.consecutiveError),
        consecutiveSuccess: 0,
      };
    default:
      return result;
  }
}

/**
 * The metric result after one task's outcome: created on the first measurement (phase
 * Running, dryRun, metadata from GetMetadata), the measurement appended (run) or replacing
 * the in-flight one (resume/terminate), counters updated when it reached a final phase.
 */
export function recordOutcome(
  existing: MetricResult | undefined,
  outcome: TaskOutcome,
  dryRun: boolean,
  nowMs: number,
  secrets: readonly string[],
): MetricResult {
  const base: MetricResult = existing ?? {
    name: outcome.metricName,
    phase: "Running",
    dryRun,
    ...(outcome.metricMetadata !== undefined && Object.keys(outcome.metricMetadata).length > 0
      ? { metadata: redactMap(outcome.metricMetadata, secrets) }
      : {}),
  };
  const measurement = normalise(outcome, nowMs, secrets);
  const previous = base.measurements ?? [];
  const replacing = outcome.action !== "run" && previous.length > 0;
  const measurements = replacing
    ? [...previous.slice(0, -1), measurement]
    : [...previous, measurement];
  const counted = isTerminalPhase(measurement.phase) ? countPhase(base, measurement.phase) : base;
  return { ...counted, measurements };
}

/** Keeps the newest `limit` measurements; counters are never reduced (§2.10). */
export function trimMeasurements(
  result: MetricResult,
  limit: number,
): { result: MetricResult; trimmed: boolean } {
  const measurements = result.measurements ?? [];
  if (measurements.length <= limit) return { result, trimmed: false };
  return {
    result: { ...result, measurements: measurements.slice(measurements.length - limit) },
    trimmed: true,
  };
}

export interface RecordedOutcomes {
  readonly results: ReadonlyMap<string, MetricResult>;
  /** Before trimming, for the metrics that were trimmed (kept when their GC fails, §6). */
  readonly untrimmed: ReadonlyMap<string, MetricResult>;
  readonly garbageCollect: readonly {
    readonly metricName: string;
    readonly metric: Metric;
    readonly limit: number;
  }[];
}

/** Applies every outcome, then trims each result to its retention limit (§2.4, §2.10). */
export function recordOutcomes(
  previous: ReadonlyMap<string, MetricResult>,
  settings: readonly MetricSettings[],
  secretValues: readonly string[],
  outcomes: readonly TaskOutcome[],
  nowMs: number,
): RecordedOutcomes {
  const results = new Map(previous);
  const byName = new Map(settings.map((s) => [s.name, s]));
  for (const outcome of outcomes) {
    const s = byName.get(outcome.metricName);
    if (s === undefined) continue;
    results.set(s.name, recordOutcome(results.get(s.name), outcome, s.dryRun, nowMs, secretValues));
  }
  const garbageCollect: { metricName: string; metric: Metric; limit: number }[] = [];
  const untrimmed = new Map<string, MetricResult>();
  for (const s of settings) {
    const result = results.get(s.name);
    if (result === undefined) continue;
    const trimmed = trimMeasurements(result, s.retentionLimit);
    if (!trimmed.trimmed) continue;
    garbageCollect.push({ metricName: s.name, metric: s.metric, limit: s.retentionLimit });
    untrimmed.set(s.name, result);
    results.set(s.name, trimmed.result);
  }
  return { results, untrimmed, garbageCollect };
}
