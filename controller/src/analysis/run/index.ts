// Pure evaluation of AnalysisRuns (spec/analysis-and-providers.md §1.6, §2). See plan.ts for
// the reconcile shape; the executor lives elsewhere and does all I/O.
export type { ArgResolution } from "./args.js";
export { redactSecrets, SECRET_PLACEHOLDER, templateMetric } from "./args.js";
export type { LimitExceeded, RunAssessment, RunEvent } from "./assess.js";
export { assessMetric, assessRun, exceededLimit } from "./assess.js";
export type { ConditionPhase, ConditionVerdict } from "./conditions.js";
export { conditionCompileError, measurementPhaseFromResult } from "./conditions.js";
export { isTerminalPhase } from "./phases.js";
export type {
  AnalysisRunPlan,
  AnalysisRunUpdate,
  CompleteInput,
  FinishTime,
  GarbageCollectRequest,
  MeasureContext,
  PlanInput,
} from "./plan.js";
export { completeAnalysisRun, planAnalysisRun } from "./plan.js";
export type { TaskOutcome } from "./record.js";
export { errorOutcome } from "./record.js";
export type { FinishTimes, MeasurementTask, TaskAction } from "./schedule.js";
export { isTerminating } from "./schedule.js";
export type { MetricSettings } from "./settings.js";
export {
  DEFAULT_MEASUREMENT_RETENTION,
  ERROR_RETRY_INTERVAL_MS,
  effectiveCount,
} from "./settings.js";
export { formatTime } from "./time.js";
export type { TtlDecision } from "./ttl.js";
export { ttlDecision } from "./ttl.js";
export { validateConditions, validateRunMetrics } from "./validate.js";
