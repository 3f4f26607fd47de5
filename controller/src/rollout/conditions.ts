// Rollout conditions: get, set (keeping lastTransitionTime), remove. spec/rollout-behavior.md §2.2.
import type { RolloutCondition, RolloutStatus } from "../api/rollout.js";

export function getCondition(status: RolloutStatus, type: string): RolloutCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

/**
 * Sets a condition. An identical condition is left as it is; lastTransitionTime is kept while
 * the status value does not change. `refresh` also moves lastUpdateTime when nothing else
 * changed (the Progressing condition on progress, §7.6).
 */
export function setCondition(
  status: RolloutStatus,
  input: ConditionInput,
  nowIso: string,
  refresh = false,
): boolean {
  const existing = getCondition(status, input.type);
  if (
    existing !== undefined &&
    existing.status === input.status &&
    existing.reason === input.reason &&
    existing.message === input.message &&
    (!refresh || existing.lastUpdateTime === nowIso)
  ) {
    return false;
  }
  const condition: RolloutCondition = {
    ...input,
    lastUpdateTime: nowIso,
    lastTransitionTime:
      existing !== undefined && existing.status === input.status
        ? existing.lastTransitionTime
        : nowIso,
  };
  status.conditions = [
    ...(status.conditions ?? []).filter((c) => c.type !== input.type),
    condition,
  ];
  return true;
}

export function removeCondition(status: RolloutStatus, type: string): void {
  if (status.conditions === undefined) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}
