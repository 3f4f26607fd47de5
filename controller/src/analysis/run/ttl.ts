// Deleting completed runs after their ttlStrategy (spec/analysis-and-providers.md §2.12).
import type { AnalysisRunSpec, AnalysisRunStatus } from "../../api/analysis.js";
import { isTerminalPhase } from "./phases.js";
import { parseTime } from "./time.js";

export interface TtlDecision {
  /** Delete the AnalysisRun now. */
  readonly deleteNow: boolean;
  /** When not yet: milliseconds until it expires (requeue then); undefined = never. */
  readonly requeueAfterMs: number | undefined;
}

/** TTL in seconds for a terminal phase, or undefined when none applies. */
export function ttlSeconds(
  spec: Pick<AnalysisRunSpec, "ttlStrategy">,
  phase: string,
): number | undefined {
  const ttl = spec.ttlStrategy;
  if (ttl === undefined) return undefined;
  if (phase === "Successful" && ttl.secondsAfterSuccess !== undefined)
    return ttl.secondsAfterSuccess;
  if (phase === "Failed" && ttl.secondsAfterFailure !== undefined) return ttl.secondsAfterFailure;
  return ttl.secondsAfterCompletion;
}

/** Deleted when floor(now - completedAt) > TTL (whole seconds). */
export function ttlDecision(
  spec: Pick<AnalysisRunSpec, "ttlStrategy">,
  status: Pick<AnalysisRunStatus, "phase" | "completedAt"> | undefined,
  nowMs: number,
): TtlDecision {
  const completedAt = parseTime(status?.completedAt);
  const seconds = isTerminalPhase(status?.phase)
    ? ttlSeconds(spec, status?.phase ?? "")
    : undefined;
  if (completedAt === undefined || seconds === undefined)
    return { deleteNow: false, requeueAfterMs: undefined };
  const elapsedSeconds = Math.floor((nowMs - completedAt) / 1000);
  if (elapsedSeconds > seconds) return { deleteNow: true, requeueAfterMs: undefined };
  // First instant at which floor(elapsed) exceeds the TTL.
  return {
    deleteNow: false,
    requeueAfterMs: Math.max(0, completedAt + (seconds + 1) * 1000 - nowMs),
  };
}
