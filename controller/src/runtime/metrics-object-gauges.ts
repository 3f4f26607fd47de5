import { Gauge, type Registry } from "prom-client";

/**
 * Gauges describing the objects the controller manages (`rollout_info`, `rollout_phase`,
 * `analysis_run_info`, `experiment_info`...). They are computed when /metrics is scraped from
 * a source function over the informer caches, so deleted objects vanish without bookkeeping.
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

/** Registers every object gauge; each reads its source afresh at scrape time. */
export function registerObjectGauges(registry: Registry, sources: ObjectSources): void {
  registerRolloutGauges(registry, () => sources.rollouts());
  registerAnalysisRunGauges(registry, () => sources.analysisRuns());
  registerExperimentGauges(registry, () => sources.experiments());
}

function registerRolloutGauges(
  registry: Registry,
  source: () => Iterable<RolloutMetricsInfo>,
): void {
  const registers = [registry];
  const replicaGauge = (
    name: string,
    help: string,
    pick: (info: RolloutMetricsInfo) => number,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ["namespace", "name"],
      registers,
      collect() {
        this.reset();
        for (const info of source()) {
          this.set({ namespace: info.namespace, name: info.name }, pick(info));
        }
      },
    });
  };
  new Gauge({
    name: "rollout_info",
    help: "Information about rollout.",
    labelNames: ["namespace", "name", "strategy", "traffic_router", "phase"],
    registers,
    collect() {
      this.reset();
      for (const info of source()) {
        this.set(
          {
            namespace: info.namespace,
            name: info.name,
            strategy: info.strategy,
            traffic_router: info.trafficRouter,
            phase: info.phase,
          },
          1,
        );
      }
    },
  });
  replicaGauge(
    "rollout_info_replicas_available",
    "The number of available replicas per rollout.",
    (info) => info.replicas.available,
  );
  replicaGauge(
    "rollout_info_replicas_unavailable",
    "The number of unavailable replicas per rollout.",
    (info) => info.replicas.unavailable,
  );
  replicaGauge(
    "rollout_info_replicas_desired",
    "The number of desired replicas per rollout.",
    (info) => info.replicas.desired,
  );
  replicaGauge(
    "rollout_info_replicas_updated",
    "The number of updated replicas per rollout.",
    (info) => info.replicas.updated,
  );
  new Gauge({
    name: "rollout_phase",
    help: "[DEPRECATED - use rollout_info] Information on the state of the rollout.",
    labelNames: ["namespace", "name", "strategy", "phase"],
    registers,
    collect() {
      this.reset();
      for (const info of source()) {
        for (const phase of LEGACY_ROLLOUT_PHASES) {
          this.set(
            { namespace: info.namespace, name: info.name, strategy: info.strategy, phase },
            phase === info.legacyPhase ? 1 : 0,
          );
        }
      }
    },
  });
}

function registerAnalysisRunGauges(
  registry: Registry,
  source: () => Iterable<AnalysisRunMetricsInfo>,
): void {
  const registers = [registry];
  new Gauge({
    name: "analysis_run_info",
    help: "Information about analysis run.",
    labelNames: ["namespace", "name", "phase"],
    registers,
    collect() {
      this.reset();
      for (const run of source()) {
        this.set({ namespace: run.namespace, name: run.name, phase: run.phase }, 1);
      }
    },
  });
  new Gauge({
    name: "analysis_run_phase",
    help: "Information on the state of the Analysis Run (DEPRECATED - use analysis_run_info).",
    labelNames: ["namespace", "name", "phase"],
    registers,
    collect() {
      this.reset();
      for (const run of source()) {
        for (const phase of ANALYSIS_PHASES) {
          this.set(
            { namespace: run.namespace, name: run.name, phase },
            phase === run.phase ? 1 : 0,
          );
        }
      }
    },
  });
  new Gauge({
    name: "analysis_run_metric_type",
    help: "Information on the type of a specific metric in the Analysis Runs.",
    labelNames: ["namespace", "name", "metric", "type"],
    registers,
    collect() {
      this.reset();
      for (const run of source()) {
        for (const metric of run.metrics) {
          this.set(
            { namespace: run.namespace, name: run.name, metric: metric.name, type: metric.type },
            1,
          );
        }
      }
    },
  });
  new Gauge({
    name: "analysis_run_metric_phase",
    help: "Information on the duration of a specific metric in the Analysis Run.",
    labelNames: ["namespace", "name", "metric", "type", "phase"],
    registers,
    collect() {
      this.reset();
      for (const run of source()) {
        for (const metric of run.metrics) {
          for (const phase of ANALYSIS_PHASES) {
            this.set(
              {
                namespace: run.namespace,
                name: run.name,
                metric: metric.name,
                type: metric.type,
                phase,
              },
              phase === metric.phase ? 1 : 0,
            );
          }
        }
      }
    },
  });
}

function registerExperimentGauges(
  registry: Registry,
  source: () => Iterable<ExperimentMetricsInfo>,
): void {
  const registers = [registry];
  new Gauge({
    name: "experiment_info",
    help: "Information about Experiment.",
    labelNames: ["namespace", "name", "phase"],
    registers,
    collect() {
      this.reset();
      for (const experiment of source()) {
        this.set(
          { namespace: experiment.namespace, name: experiment.name, phase: experiment.phase },
          1,
        );
      }
    },
  });
}
