// Run-time validation of an AnalysisRun's (templated) metrics, spec/analysis-and-providers.md
// §1.6. The first problem found is returned; the caller turns it into
// `Analysis spec invalid: <problem>` and the run ends Error.
import type { AnalysisRunSpec, Metric } from "../../api/analysis.js";
import {
  consecutiveErrorLimitOrDefault,
  consecutiveSuccessLimitOrDefault,
  failureLimitOrDefault,
  inconclusiveLimitOrDefault,
} from "../../api/defaults.js";
import { conditionCompileError } from "./conditions.js";
import { compileRule, countOf } from "./settings.js";
import { durationMs } from "./time.js";

export function validateRunMetrics(
  metrics: readonly Metric[],
  spec: Pick<AnalysisRunSpec, "dryRun" | "measurementRetention">,
): string | undefined {
  if (metrics.length === 0) return "at least one metric is required";
  const seen = new Set<string>();
  for (const [i, metric] of metrics.entries()) {
    if (seen.has(metric.name)) return `metrics[${i}]: duplicate name '${metric.name}'`;
    seen.add(metric.name);
    const problem = validateMetric(metric);
    if (problem !== undefined) return `metrics[${i}]: ${problem}`;
  }
  const names = metrics.map((m) => m.name);
  return (
    validateRules(
      "dryRun",
      (spec.dryRun ?? []).map((r) => r.metricName),
      names,
    ) ??
    validateRules(
      "measurementRetention",
      (spec.measurementRetention ?? []).map((r) => r.metricName),
      names,
    )
  );
}

function validateMetric(metric: Metric): string | undefined {
  const failureLimit = failureLimitOrDefault(metric);
  const inconclusiveLimit = inconclusiveLimitOrDefault(metric);
  const consecutiveErrorLimit = consecutiveErrorLimitOrDefault(metric);
  const consecutiveSuccessLimit = consecutiveSuccessLimitOrDefault(metric);
  const count = countOf(metric);
  if (consecutiveSuccessLimit < 0) return "consecutiveSuccessLimit must be >= 0";
  if (failureLimit < -1) return "failureLimit must be >= -1";
  if (failureLimit === -1 && consecutiveSuccessLimit === 0) {
    return "failureLimit -1 (disabled) requires consecutiveSuccessLimit > 0";
  }
  if (inconclusiveLimit < 0) return "inconclusiveLimit must be >= 0";
  if (consecutiveErrorLimit < 0) return "consecutiveErrorLimit must be >= 0";
  if (count > 0) {
    if (failureLimit >= 0 && count < failureLimit + consecutiveSuccessLimit) {
      return `count (${count}) must be >= failureLimit (${failureLimit}) + consecutiveSuccessLimit (${consecutiveSuccessLimit})`;
    }
    if (failureLimit === -1 && count < consecutiveSuccessLimit) {
      return `count (${count}) must be >= consecutiveSuccessLimit (${consecutiveSuccessLimit})`;
    }
    if (count < inconclusiveLimit)
      return `count (${count}) must be >= inconclusiveLimit (${inconclusiveLimit})`;
  }
  const hasInterval = metric.interval !== undefined && metric.interval !== "";
  if (count > 1 && !hasInterval)
    return `interval must be specified when count > 1 (count is ${count})`;
  if (hasInterval && durationMs(metric.interval ?? "") === undefined) {
    return `invalid interval '${metric.interval}': not a duration such as 30s or 5m`;
  }
  if (
    metric.initialDelay !== undefined &&
    metric.initialDelay !== "" &&
    durationMs(metric.initialDelay) === undefined
  ) {
    return `invalid initialDelay '${metric.initialDelay}': not a duration such as 30s or 5m`;
  }
  const providers = providerCount(metric);
  if (providers !== 1) return `exactly one provider must be specified, found ${providers}`;
  return undefined;
}

/** A `plugin` map counts one per key (§1.6). */
function providerCount(metric: Metric): number {
  let count = 0;
  for (const [kind, config] of Object.entries(metric.provider ?? {})) {
    if (config === undefined || config === null) continue;
    count += kind === "plugin" && typeof config === "object" ? Object.keys(config).length : 1;
  }
  return count;
}

function validateRules(
  field: string,
  patterns: readonly string[],
  metricNames: readonly string[],
): string | undefined {
  const seen = new Set<string>();
  for (const [i, pattern] of patterns.entries()) {
    if (seen.has(pattern)) return `${field}[${i}]: duplicate metricName '${pattern}'`;
    seen.add(pattern);
    const rule = compileRule(pattern);
    if (rule === undefined)
      return `${field}[${i}]: metricName '${pattern}' is not a valid regular expression`;
    if (!metricNames.some((name) => rule.test(name)))
      return `${field}[${i}]: Rule didn't match any metric name(s)`;
  }
  return undefined;
}

/**
 * Conditions that cannot compile fail the run at once (ours: the original only finds out at
 * each measurement and ends Error after consecutiveErrorLimit errors, with the same cause).
 * Checked on the metrics with real argument values; the caller masks secrets in the message.
 */
export function validateConditions(metrics: readonly Metric[]): string | undefined {
  for (const [i, metric] of metrics.entries()) {
    for (const kind of ["successCondition", "failureCondition"] as const) {
      const expression = metric[kind];
      if (expression === undefined || expression === "") continue;
      const error = conditionCompileError(expression);
      if (error !== undefined)
        return `metrics[${i}]: ${kind} of metric "${metric.name}" does not compile: ${error}`;
    }
  }
  return undefined;
}
