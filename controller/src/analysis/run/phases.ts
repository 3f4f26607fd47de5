// Phase vocabulary of spec/analysis-and-providers.md §1.5.
import type { AnalysisPhase, Measurement, MetricResult } from "../../api/analysis.js";

export type TerminalPhase = "Successful" | "Failed" | "Error" | "Inconclusive";

export function isTerminalPhase(phase: string | undefined): phase is TerminalPhase {
  return (
    phase === "Successful" || phase === "Failed" || phase === "Error" || phase === "Inconclusive"
  );
}

/** "Worst" order used everywhere: Successful < Running < Pending < Inconclusive < Error < Failed. */
const SEVERITY: Readonly<Record<AnalysisPhase, number>> = {
  Successful: 0,
  Running: 1,
  Pending: 2,
  Inconclusive: 3,
  Error: 4,
  Failed: 5,
};

export function isWorse(candidate: AnalysisPhase, than: AnalysisPhase): boolean {
  return SEVERITY[candidate] > SEVERITY[than];
}

export function asAnalysisPhase(phase: string | undefined): AnalysisPhase | undefined {
  return phase !== undefined && Object.hasOwn(SEVERITY, phase)
    ? (phase as AnalysisPhase)
    : undefined;
}

export function lastMeasurement(result: MetricResult | undefined): Measurement | undefined {
  const measurements = result?.measurements ?? [];
  return measurements[measurements.length - 1];
}
