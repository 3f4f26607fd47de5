// One measurement task through a metric-provider plugin (spec/analysis-and-providers.md §2.4,
// §6): which plugin serves a metric, with what configuration and deadline, and how its answer
// becomes a Measurement of the AnalysisRun status. Every failure comes back as an Error
// measurement whose message names the metric's provider and what went wrong.
import { MeasurementPhase, type Measurement as WireMeasurement } from "@sluice/sdk";
import { errorOutcome, type MeasurementTask, type TaskOutcome } from "../../analysis/run/index.js";
import type { AnalysisRun, Measurement, Metric } from "../../api/analysis.js";
import { BUILTIN_METRIC_KEYS } from "../../plugins/bundled.js";
import type { PluginHost, PluginResult } from "../../plugins/host.js";

/** The plugin that serves a metric and the configuration block it receives. */
export interface ProviderTarget {
  plugin: string;
  config: Record<string, unknown>;
}

const BUILTIN = new Map(BUILTIN_METRIC_KEYS);

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * `provider.<key>` maps to a bundled plugin (`prometheus` → `sluice/prometheus`); keys
 * without a bundled plugin map to `sluice/<key>`, which a user can register in the
 * argo-rollouts-config ConfigMap. `provider.plugin.<name>` names a registered plugin directly.
 */
export function providerTarget(metric: Metric): ProviderTarget | { error: string } {
  const provider = asRecord(metric.provider) ?? {};
  const keys = Object.keys(provider).filter((k) => provider[k] !== undefined);
  if (keys.length !== 1) {
    return {
      error: `metric "${metric.name}" must name exactly one provider, found ${keys.length === 0 ? "none" : keys.join(", ")}`,
    };
  }
  const key = keys[0] as string;
  if (key === "plugin") {
    const plugins = asRecord(provider.plugin) ?? {};
    const names = Object.keys(plugins);
    if (names.length !== 1) {
      return {
        error: `metric "${metric.name}": provider.plugin must name exactly one plugin, found ${names.length}`,
      };
    }
    const name = names[0] as string;
    return { plugin: name, config: asRecord(plugins[name]) ?? {} };
  }
  return {
    plugin: BUILTIN.get(key) ?? `sluice/${key.toLowerCase()}`,
    config: asRecord(provider[key]) ?? {},
  };
}

/** The provider's own timeout in ms when its block declares one (`timeout` / `timeoutSeconds`). */
function declaredTimeoutMs(config: Record<string, unknown>): number | undefined {
  for (const key of ["timeout", "timeoutSeconds"]) {
    const raw = config[key];
    const seconds = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : NaN;
    if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  }
  return undefined;
}

/** Default provider timeout when none is declared: Prometheus' 30 s is the longest default. */
const DEFAULT_PROVIDER_TIMEOUT_MS = 30_000;
/** Time a provider gets beyond its own timeout to answer with an Error measurement itself. */
const DEADLINE_MARGIN_MS = 5_000;

/** The call deadline of a measurement: never shorter than the provider's own timeout (§6). */
export function measurementDeadlineMs(config: Record<string, unknown>): number {
  return (declaredTimeoutMs(config) ?? DEFAULT_PROVIDER_TIMEOUT_MS) + DEADLINE_MARGIN_MS;
}

const FROM_WIRE: Record<number, string> = {
  [MeasurementPhase.RUNNING]: "Running",
  [MeasurementPhase.SUCCESSFUL]: "Successful",
  [MeasurementPhase.FAILED]: "Failed",
  [MeasurementPhase.INCONCLUSIVE]: "Inconclusive",
  [MeasurementPhase.ERROR]: "Error",
};

const TO_WIRE: Record<string, MeasurementPhase> = {
  Running: MeasurementPhase.RUNNING,
  Pending: MeasurementPhase.RUNNING,
  Successful: MeasurementPhase.SUCCESSFUL,
  Failed: MeasurementPhase.FAILED,
  Inconclusive: MeasurementPhase.INCONCLUSIVE,
  Error: MeasurementPhase.ERROR,
};

function isoOf(date: Date | undefined): string | undefined {
  if (date === undefined || Number.isNaN(date.getTime()) || date.getTime() <= 0) return undefined;
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function dateOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** A plugin's measurement as the status stores it; an unknown phase becomes an Error. */
export function fromWire(m: WireMeasurement | undefined): Measurement {
  if (m === undefined) {
    return { phase: "Error", message: "the plugin answered without a measurement" };
  }
  const phase = FROM_WIRE[m.phase];
  const out: Measurement = {
    phase: phase ?? "Error",
    ...(phase === undefined
      ? {
          message:
            m.phase === MeasurementPhase.UNSPECIFIED
              ? "the plugin returned a measurement without a phase"
              : `the plugin answered an unknown measurement phase (${m.phase})`,
        }
      : m.message === ""
        ? {}
        : { message: m.message }),
  };
  if (m.value !== "") out.value = m.value;
  if (Object.keys(m.metadata).length > 0) out.metadata = { ...m.metadata };
  const startedAt = isoOf(m.startedAt);
  if (startedAt !== undefined) out.startedAt = startedAt;
  const finishedAt = isoOf(m.finishedAt);
  if (finishedAt !== undefined) out.finishedAt = finishedAt;
  const resumeAt = isoOf(m.resumeAt);
  if (resumeAt !== undefined) out.resumeAt = resumeAt;
  return out;
}

export function toWire(m: Measurement): WireMeasurement {
  return {
    phase: TO_WIRE[m.phase] ?? MeasurementPhase.UNSPECIFIED,
    value: m.value ?? "",
    message: m.message ?? "",
    metadata: { ...(m.metadata ?? {}) },
    startedAt: dateOf(m.startedAt),
    finishedAt: dateOf(m.finishedAt),
    resumeAt: dateOf(m.resumeAt),
  };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** The AnalysisRun as the plugins receive it, encoded on first use and then reused. */
export type RunJson = () => Buffer;

export function runJsonOnce(run: AnalysisRun): RunJson {
  let encoded: Buffer | undefined;
  return () => {
    encoded ??= json(run);
    return encoded;
  };
}

const VERB: Record<MeasurementTask["action"], string> = {
  run: "run",
  resume: "resume",
  terminate: "terminate",
};

/** Runs one task; never throws. */
export async function executeTask(
  host: PluginHost,
  run: AnalysisRun,
  task: MeasurementTask,
  now: () => number,
  runJson: RunJson = runJsonOnce(run),
): Promise<TaskOutcome> {
  const target = providerTarget(task.metric);
  if ("error" in target) return errorOutcome(task, target.error, now());
  const provider = host.metricProviderFor(target.plugin, {
    timeoutMs: measurementDeadlineMs(target.config),
  });
  const base = { analysisRun: runJson(), metric: json(task.metric), config: json(target.config) };
  let answer: PluginResult<{ measurement?: WireMeasurement | undefined }>;
  if (task.action === "run") {
    answer = await provider.run(base);
  } else {
    const measurement = toWire(task.measurement ?? { phase: "Running" });
    answer =
      task.action === "resume"
        ? await provider.resume({ ...base, measurement })
        : await provider.terminate({ ...base, measurement });
  }
  if (!answer.ok) {
    // The original's wording for a plugin's own error (`failed to run via plugin: ...`);
    // transport and registry failures say which plugin could not be reached and why.
    const message =
      answer.error.reason === "domain"
        ? `failed to ${VERB[task.action]} via plugin: ${answer.error.message}`
        : `metric provider plugin ${target.plugin}: ${answer.error.method} failed: ${answer.error.message}`;
    return errorOutcome(task, message, now());
  }
  const outcome: TaskOutcome = {
    metricName: task.metricName,
    action: task.action,
    measurement: fromWire(answer.value.measurement),
  };
  if (!task.fetchMetadata) return outcome;
  const metadata = await provider.getMetadata({
    metric: json(task.metric),
    config: json(target.config),
  });
  if (!metadata.ok || Object.keys(metadata.value.metadata).length === 0) return outcome;
  return { ...outcome, metricMetadata: { ...metadata.value.metadata } };
}

/** Provider GarbageCollect for old measurements (§2.10); failures are only logged by the caller. */
export async function garbageCollect(
  host: PluginHost,
  run: AnalysisRun,
  metric: Metric,
  limit: number,
  runJson: RunJson = runJsonOnce(run),
): Promise<string | undefined> {
  const target = providerTarget(metric);
  if ("error" in target) return target.error;
  const answer = await host.metricProviderFor(target.plugin).garbageCollect(() => ({
    analysisRun: runJson(),
    metric: json(metric),
    config: json(target.config),
    limit,
  }));
  return answer.ok ? undefined : `${answer.error.method} failed: ${answer.error.message}`;
}
