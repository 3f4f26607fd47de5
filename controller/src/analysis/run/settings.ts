// Per-metric settings with the defaults of spec/analysis-and-providers.md §1.2, the dry-run
// set (§2.9) and the retention limits (§2.10), derived from a templated metric.
import type { AnalysisRunSpec, Metric } from "../../api/analysis.js";
import {
  consecutiveErrorLimitOrDefault,
  consecutiveSuccessLimitOrDefault,
  failureLimitOrDefault,
  inconclusiveLimitOrDefault,
  intOrStringValue,
} from "../../api/defaults.js";
import { durationMs } from "./time.js";

/** Measurements kept per metric when no measurementRetention rule applies (§2.10). */
export const DEFAULT_MEASUREMENT_RETENTION = 10;
/** Pause after an Error measurement, and between measurements without an interval (§2.3). */
export const ERROR_RETRY_INTERVAL_MS = 10_000;

export interface MetricSettings {
  readonly name: string;
  /** The metric with its arguments substituted (secrets included: only for providers). */
  readonly metric: Metric;
  readonly intervalMs: number | undefined;
  readonly initialDelayMs: number | undefined;
  /** undefined = indefinite (an interval and no count, §1.2). */
  readonly effectiveCount: number | undefined;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  readonly consecutiveSuccessLimit: number;
  readonly dryRun: boolean;
  readonly retentionLimit: number;
}

export function countOf(metric: Metric): number {
  return intOrStringValue(metric.count, 0);
}

/** §1.2: count absent or 0 → 1 without an interval, indefinite with one. */
export function effectiveCount(metric: Metric): number | undefined {
  const count = countOf(metric);
  if (count > 0) return count;
  return metric.interval === undefined || metric.interval === "" ? 1 : undefined;
}

/**
 * Regexes of dryRun / measurementRetention rules. The original uses Go's unanchored
 * `regexp.MatchString` (Open point 6: kept, so `error` also matches `http-errors`).
 */
export function compileRule(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

export function isDryRun(spec: Pick<AnalysisRunSpec, "dryRun">, metricName: string): boolean {
  return (spec.dryRun ?? []).some(
    (rule) => compileRule(rule.metricName)?.test(metricName) === true,
  );
}

export function retentionLimit(
  spec: Pick<AnalysisRunSpec, "measurementRetention">,
  metricName: string,
): number {
  for (const rule of spec.measurementRetention ?? []) {
    if (rule.limit > 0 && compileRule(rule.metricName)?.test(metricName) === true)
      return rule.limit;
  }
  return DEFAULT_MEASUREMENT_RETENTION;
}

/** Settings of an already validated, templated metric. */
export function metricSettings(metric: Metric, spec: AnalysisRunSpec): MetricSettings {
  const interval =
    metric.interval === undefined || metric.interval === ""
      ? undefined
      : durationMs(metric.interval);
  const initialDelay =
    metric.initialDelay === undefined || metric.initialDelay === ""
      ? undefined
      : durationMs(metric.initialDelay);
  return {
    name: metric.name,
    metric,
    intervalMs: interval,
    initialDelayMs: initialDelay,
    effectiveCount: effectiveCount(metric),
    failureLimit: failureLimitOrDefault(metric),
    inconclusiveLimit: inconclusiveLimitOrDefault(metric),
    consecutiveErrorLimit: consecutiveErrorLimitOrDefault(metric),
    consecutiveSuccessLimit: consecutiveSuccessLimitOrDefault(metric),
    dryRun: isDryRun(spec, metric.name),
    retentionLimit: retentionLimit(spec, metric.name),
  };
}
