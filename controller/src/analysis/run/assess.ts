// Phase of each metric (spec/analysis-and-providers.md §2.6) and of the run, with its message
// and summaries (§2.7, §2.9).
import type { AnalysisPhase, MetricResult, RunSummary } from "../../api/analysis.js";
import { isTerminalPhase, isWorse, lastMeasurement } from "./phases.js";
import type { MetricSettings } from "./settings.js";

export interface LimitExceeded {
  readonly phase: "Failed" | "Inconclusive" | "Error";
  /** e.g. `failed (2) > failureLimit (1)` */
  readonly reason: string;
  readonly summaryField: "failed" | "inconclusive" | "error";
}

/**
 * The limit a metric's counters exceed, if any. Checked in the order failed, inconclusive,
 * consecutive errors; when several are exceeded the later one wins (Open point 1: kept).
 */
export function exceededLimit(result: MetricResult, s: MetricSettings): LimitExceeded | undefined {
  let exceeded: LimitExceeded | undefined;
  const failed = result.failed ?? 0;
  const inconclusive = result.inconclusive ?? 0;
  const consecutiveError = result.consecutiveError ?? 0;
  if (s.failureLimit >= 0 && failed > s.failureLimit) {
    exceeded = {
      phase: "Failed",
      reason: `failed (${failed}) > failureLimit (${s.failureLimit})`,
      summaryField: "failed",
    };
  }
  if (inconclusive > s.inconclusiveLimit) {
    exceeded = {
      phase: "Inconclusive",
      reason: `inconclusive (${inconclusive}) > inconclusiveLimit (${s.inconclusiveLimit})`,
      summaryField: "inconclusive",
    };
  }
  if (consecutiveError > s.consecutiveErrorLimit) {
    exceeded = {
      phase: "Error",
      reason: `consecutiveErrors (${consecutiveError}) > consecutiveErrorLimit (${s.consecutiveErrorLimit})`,
      summaryField: "error",
    };
  }
  return exceeded;
}

/** §2.6, in order. */
export function assessMetric(
  result: MetricResult | undefined,
  s: MetricSettings,
  terminating: boolean,
): AnalysisPhase {
  if (result !== undefined && isTerminalPhase(result.phase)) return result.phase;
  const last = lastMeasurement(result);
  if (result === undefined || last === undefined) return terminating ? "Successful" : "Pending";
  if (!isTerminalPhase(last.phase)) return "Running";
  const exceeded = exceededLimit(result, s);
  if (exceeded !== undefined) return exceeded.phase;
  if (
    s.consecutiveSuccessLimit > 0 &&
    (result.consecutiveSuccess ?? 0) >= s.consecutiveSuccessLimit
  ) {
    return "Successful";
  }
  if (s.effectiveCount !== undefined && (result.count ?? 0) >= s.effectiveCount) {
    const failureApplies = s.failureLimit >= 0;
    const successApplies = s.consecutiveSuccessLimit > 0;
    if (failureApplies && successApplies) return "Inconclusive";
    if (!failureApplies && successApplies) return "Failed";
    return "Successful";
  }
  return terminating ? "Successful" : "Running";
}

export interface RunEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface RunAssessment {
  /** Results in spec order, phases and messages updated; metrics never measured are absent. */
  readonly results: ReadonlyMap<string, MetricResult>;
  /** Running, or a terminal phase. */
  readonly phase: AnalysisPhase;
  readonly message: string;
  readonly runSummary: RunSummary;
  readonly dryRunSummary: RunSummary;
  readonly events: readonly RunEvent[];
  /** Whether the run was terminating once this pass's metric phases were known. */
  readonly terminating: boolean;
}

function limitMessage(name: string, result: MetricResult, exceeded: LimitExceeded): string {
  const detail =
    result.message !== undefined && result.message !== ""
      ? `: "Error Message: ${result.message}"`
      : "";
  return `Metric "${name}" assessed ${exceeded.phase} due to ${exceeded.reason}${detail}`;
}

function addToSummary(summary: Record<string, number>, field: string): void {
  summary[field] = (summary[field] ?? 0) + 1;
}

/**
 * Assesses every metric then the run (§2.7). `terminating` is the state before this pass;
 * when this pass fails a non-dry-run metric the others are reassessed as terminating, so
 * the run ends in the same reconcile rather than one interval later (§2.8).
 */
export function assessRun(input: {
  readonly settings: readonly MetricSettings[];
  readonly results: ReadonlyMap<string, MetricResult>;
  readonly terminating: boolean;
  readonly terminate: boolean;
}): RunAssessment {
  const phases = new Map<string, AnalysisPhase>();
  const assessAll = (terminating: boolean): void => {
    for (const s of input.settings)
      phases.set(s.name, assessMetric(input.results.get(s.name), s, terminating));
  };
  let terminating = input.terminating;
  assessAll(terminating);
  const failing = input.settings.some(
    (s) => !s.dryRun && ["Failed", "Error", "Inconclusive"].includes(phases.get(s.name) ?? ""),
  );
  if (!terminating && failing) {
    terminating = true;
    assessAll(true);
  }

  const results = new Map<string, MetricResult>();
  const events: RunEvent[] = [];
  const runSummary: Record<string, number> = {};
  const dryRunSummary: Record<string, number> = {};
  let worst: { phase: AnalysisPhase; message: string } | undefined;

  for (const s of input.settings) {
    const phase = phases.get(s.name) ?? "Pending";
    const before = input.results.get(s.name);
    addToSummary(s.dryRun ? dryRunSummary : runSummary, "count");
    let result = before;
    if (result !== undefined && result.phase !== phase) {
      const message = lastMeasurement(result)?.message;
      result = { ...result, phase, ...(message !== undefined ? { message } : {}) };
      if (isTerminalPhase(phase)) {
        events.push({
          type: phase === "Successful" ? "Normal" : "Warning",
          reason: `Metric${phase}`,
          message: `Metric "${s.name}" completed: ${phase}`,
        });
      }
    }
    const exceeded =
      result !== undefined && isTerminalPhase(phase) ? exceededLimit(result, s) : undefined;
    if (s.dryRun && result !== undefined && exceeded !== undefined && before?.phase !== phase) {
      result = {
        ...result,
        message: `Metric assessed ${exceeded.phase} due to ${exceeded.reason}`,
      };
    }
    if (result !== undefined) results.set(s.name, result);
    if (isTerminalPhase(phase)) {
      addToSummary(s.dryRun ? dryRunSummary : runSummary, exceeded?.summaryField ?? "successful");
    }
    if (s.dryRun) continue;
    if (!isTerminalPhase(phase)) continue;
    if (worst === undefined || isWorse(phase, worst.phase)) {
      worst = {
        phase,
        message:
          exceeded !== undefined && result !== undefined
            ? limitMessage(s.name, result, exceeded)
            : "",
      };
    }
  }

  let phase: AnalysisPhase;
  let message = "";
  const unfinished = input.settings.some((s) => !isTerminalPhase(phases.get(s.name)));
  const inFlight = input.settings.some((s) => phases.get(s.name) === "Running");
  if (terminating && inFlight) {
    // In-flight measurements are terminated on the next pass before the run completes.
    phase = "Running";
  } else if (terminating) {
    // Worst so far, Successful if nothing finished.
    phase = worst?.phase ?? "Successful";
    message = worst?.message ?? "";
    if (message === "" && input.terminate) message = "Run Terminated";
  } else if (unfinished) {
    phase = "Running";
  } else {
    phase = worst?.phase ?? "Successful";
    message = worst?.message ?? "";
  }
  return {
    results,
    phase,
    message,
    runSummary: runSummary as RunSummary,
    dryRunSummary: dryRunSummary as RunSummary,
    events,
    terminating,
  };
}
