import type {
  AnalysisRunMetricsInfo,
  ExperimentMetricsInfo,
  LegacyRolloutPhase,
  RolloutMetricsInfo,
} from "./metrics-object-gauges.js";

/**
 * Read the few fields the object gauges need from cached objects. The objects are untyped
 * here on purpose: a malformed Rollout must still show up in /metrics, with defaults, rather
 * than break the scrape.
 */

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

function count(value: unknown, fallback = 0): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function metaOf(obj: unknown): { namespace: string; name: string } {
  const metadata = record(record(obj).metadata);
  return { namespace: text(metadata.namespace, ""), name: text(metadata.name, "") };
}

/** Keys of `trafficRouting` that configure routing as a whole rather than name a router. */
const NON_ROUTER_KEYS = new Set(["maxTrafficWeight", "managedRoutes"]);

function trafficRouters(canary: Json): string {
  const routing = record(canary.trafficRouting);
  const names: string[] = [];
  for (const key of Object.keys(routing)) {
    if (NON_ROUTER_KEYS.has(key)) continue;
    if (key === "plugins") names.push(...Object.keys(record(routing.plugins)));
    else names.push(key);
  }
  return names.sort().join(",");
}

function legacyPhase(status: Json, phase: string): LegacyRolloutPhase {
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const has = (type: string, reason?: string): boolean =>
    conditions.some(
      (c) =>
        c.type === type && c.status === "True" && (reason === undefined || c.reason === reason),
    );
  if (has("InvalidSpec")) return "InvalidSpec";
  if (status.abort === true) return "Abort";
  if (conditions.some((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded")) {
    return "Timeout";
  }
  if (phase === "Paused") return "Paused";
  if (phase === "Healthy") return "Completed";
  if (phase === "Degraded") return "Error";
  return "Progressing";
}

/** What the rollout gauges publish for one cached Rollout. */
export function rolloutMetricsInfo(rollout: unknown): RolloutMetricsInfo {
  const spec = record(record(rollout).spec);
  const status = record(record(rollout).status);
  const strategy = record(spec.strategy);
  const canary = record(strategy.canary);
  const strategyName =
    strategy.canary !== undefined
      ? "canary"
      : strategy.blueGreen !== undefined
        ? "blueGreen"
        : "none";
  const phase = text(status.phase, "Progressing");
  const available = count(status.availableReplicas);
  return {
    ...metaOf(rollout),
    strategy: strategyName,
    trafficRouter: strategyName === "canary" ? trafficRouters(canary) : "",
    phase,
    legacyPhase: legacyPhase(status, phase),
    replicas: {
      // spec/rollout-behavior.md §1.1: replicas defaults to 1.
      desired: count(spec.replicas, 1),
      available,
      unavailable: Math.max(0, count(status.replicas) - available),
      updated: count(status.updatedReplicas),
    },
  };
}

/** What the analysis gauges publish for one cached AnalysisRun. */
export function analysisRunMetricsInfo(run: unknown): AnalysisRunMetricsInfo {
  const spec = record(record(run).spec);
  const status = record(record(run).status);
  const results = Array.isArray(status.metricResults) ? status.metricResults.map(record) : [];
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : []).map((metricValue) => {
    const metric = record(metricValue);
    const name = text(metric.name, "");
    const provider = record(metric.provider);
    const type = text(Object.keys(provider)[0], "unknown");
    const result = results.find((r) => r.name === name);
    return { name, type, phase: text(result?.phase, "Pending") };
  });
  return { ...metaOf(run), phase: text(status.phase, "Pending"), metrics };
}

/** What `experiment_info` publishes for one cached Experiment. */
export function experimentMetricsInfo(experiment: unknown): ExperimentMetricsInfo {
  return {
    ...metaOf(experiment),
    phase: text(record(record(experiment).status).phase, "Pending"),
  };
}
