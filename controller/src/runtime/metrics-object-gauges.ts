import { escapeLabelValue, sampleValue, type TextSink } from "./metrics-text.js";

/**
 * Gauges describing the objects the controller manages (`rollout_info`, `rollout_phase`,
 * `analysis_run_info`, `experiment_info`...). They are computed when /metrics is scraped from
 * a source function over the informer caches, so deleted objects vanish without bookkeeping.
 * The text is written directly (metrics-text.ts): these series number several per object.
 */

/**
 * What `rollout_info`, `rollout_phase` and `rollout_info_replicas_*` publish for one Rollout.
 * Built from the informer cache at scrape time (see rolloutMetricsInfo in metrics-info.ts),
 * so deleted Rollouts disappear from /metrics without bookkeeping.
 */
export interface RolloutMetricsInfo {
  namespace: string;
  name: string;
  /** "canary", "blueGreen" or "none". */
  strategy: string;
  /** Comma-separated router names, or "" without traffic routing. */
  trafficRouter: string;
  /** `status.phase`: Healthy, Progressing, Paused, Degraded. */
  phase: string;
  /** The original's older phase vocabulary for the deprecated `rollout_phase` series. */
  legacyPhase: LegacyRolloutPhase;
  replicas: { desired: number; available: number; unavailable: number; updated: number };
}

/** Values of the deprecated `rollout_phase{phase}` metric, as the original publishes them. */
export const LEGACY_ROLLOUT_PHASES = [
  "Progressing",
  "Paused",
  "Completed",
  "Abort",
  "Timeout",
  "InvalidSpec",
  "Error",
] as const;
export type LegacyRolloutPhase = (typeof LEGACY_ROLLOUT_PHASES)[number];

export interface AnalysisRunMetricsInfo {
  namespace: string;
  name: string;
  /** `status.phase`: Pending, Running, Successful, Failed, Error, Inconclusive. */
  phase: string;
  /** Per metric: its name, provider type ("prometheus", "job", "plugin"...) and phase. */
  metrics: Array<{ name: string; type: string; phase: string }>;
}

export interface ExperimentMetricsInfo {
  namespace: string;
  name: string;
  phase: string;
}

const ANALYSIS_PHASES = ["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"];

export interface ObjectSources {
  rollouts: () => Iterable<RolloutMetricsInfo>;
  analysisRuns: () => Iterable<AnalysisRunMetricsInfo>;
  experiments: () => Iterable<ExperimentMetricsInfo>;
}

const q = escapeLabelValue;

/**
 * One gauge family over `items`: the header, then the lines `lines` gives per item. The text
 * format wants a family's lines together, so each family is its own pass over the items.
 */
async function family<T>(
  sink: TextSink,
  name: string,
  help: string,
  items: readonly T[],
  lines: (item: T) => Array<[labels: string, value: number]>,
): Promise<void> {
  let headed = false;
  for (const item of items) {
    for (const [labels, value] of lines(item)) {
      if (!headed) {
        sink.header(name, help, "gauge");
        headed = true;
      }
      sink.line(`${name}{${labels}} ${sampleValue(value)}\n`);
    }
    await sink.maybeYield();
  }
}

const idOf = (o: { namespace: string; name: string }): string =>
  `namespace="${q(o.namespace)}",name="${q(o.name)}"`;

/** Writes every object gauge; each reads its source afresh at scrape time. */
export async function renderObjectGauges(sink: TextSink, sources: ObjectSources): Promise<void> {
  await renderRolloutGauges(sink, [...sources.rollouts()]);
  await renderAnalysisRunGauges(sink, [...sources.analysisRuns()]);
  await family(
    sink,
    "experiment_info",
    "Information about Experiment.",
    [...sources.experiments()],
    (e) => [[`${idOf(e)},phase="${q(e.phase)}"`, 1]],
  );
}

async function renderRolloutGauges(
  sink: TextSink,
  rollouts: readonly RolloutMetricsInfo[],
): Promise<void> {
  await family(sink, "rollout_info", "Information about rollout.", rollouts, (r) => [
    [
      `${idOf(r)},strategy="${q(r.strategy)}",traffic_router="${q(r.trafficRouter)}",phase="${q(r.phase)}"`,
      1,
    ],
  ]);
  const replicas: Array<[string, string, (r: RolloutMetricsInfo) => number]> = [
    ["available", "The number of available replicas per rollout.", (r) => r.replicas.available],
    [
      "unavailable",
      "The number of unavailable replicas per rollout.",
      (r) => r.replicas.unavailable,
    ],
    ["desired", "The number of desired replicas per rollout.", (r) => r.replicas.desired],
    ["updated", "The number of updated replicas per rollout.", (r) => r.replicas.updated],
  ];
  for (const [suffix, help, pick] of replicas) {
    await family(sink, `rollout_info_replicas_${suffix}`, help, rollouts, (r) => [
      [idOf(r), pick(r)],
    ]);
  }
  await family(
    sink,
    "rollout_phase",
    "[DEPRECATED - use rollout_info] Information on the state of the rollout.",
    rollouts,
    (r) => {
      const prefix = `${idOf(r)},strategy="${q(r.strategy)}",phase="`;
      return LEGACY_ROLLOUT_PHASES.map((p): [string, number] => [
        `${prefix}${p}"`,
        p === r.legacyPhase ? 1 : 0,
      ]);
    },
  );
}

async function renderAnalysisRunGauges(
  sink: TextSink,
  runs: readonly AnalysisRunMetricsInfo[],
): Promise<void> {
  await family(sink, "analysis_run_info", "Information about analysis run.", runs, (run) => [
    [`${idOf(run)},phase="${q(run.phase)}"`, 1],
  ]);
  await family(
    sink,
    "analysis_run_phase",
    "Information on the state of the Analysis Run (DEPRECATED - use analysis_run_info).",
    runs,
    (run) =>
      ANALYSIS_PHASES.map((p): [string, number] => [
        `${idOf(run)},phase="${p}"`,
        p === run.phase ? 1 : 0,
      ]),
  );
  await family(
    sink,
    "analysis_run_metric_type",
    "Information on the type of a specific metric in the Analysis Runs.",
    runs,
    (run) =>
      run.metrics.map((m): [string, number] => [
        `${idOf(run)},metric="${q(m.name)}",type="${q(m.type)}"`,
        1,
      ]),
  );
  await family(
    sink,
    "analysis_run_metric_phase",
    "Information on the duration of a specific metric in the Analysis Run.",
    runs,
    (run) =>
      run.metrics.flatMap((m) =>
        ANALYSIS_PHASES.map((p): [string, number] => [
          `${idOf(run)},metric="${q(m.name)}",type="${q(m.type)}",phase="${p}"`,
          p === m.phase ? 1 : 0,
        ]),
      ),
  );
}
