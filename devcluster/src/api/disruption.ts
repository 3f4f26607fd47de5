import { podPhase, podReadySince } from "../kubelet/pod-status.js";
import type { ObjectApi } from "./objects.js";
import { matchesLabels, selectorFromStructured } from "./selectors.js";
import { getPath, isObject, type JsonObject, type KubeObject } from "./types.js";

export const PDB_KEY = "poddisruptionbudgets.policy";

/** What a PodDisruptionBudget allows right now (the disruption controller's arithmetic). */
export interface BudgetState {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
  /** Pods the budget covers. */
  covers: (pod: KubeObject) => boolean;
}

/** `minAvailable` / `maxUnavailable` as a count of `expected` pods (percentages round up). */
function scaled(value: unknown, expected: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const match = /^(\d+)%$/.exec(value);
    if (match?.[1]) {
      const exact = (Number(match[1]) * expected) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    if (/^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

function healthy(pod: KubeObject): boolean {
  return !pod.metadata.deletionTimestamp && podReadySince(pod) !== undefined;
}

export function budgetState(api: ObjectApi, pdb: KubeObject): BudgetState {
  const selector = selectorFromStructured(getPath(pdb, ["spec", "selector"]));
  // policy/v1: an empty selector covers every pod of the namespace, a missing one none.
  const covers = (pod: KubeObject): boolean =>
    selector !== undefined && matchesLabels(selector, pod.metadata.labels);
  const pods = api.store
    .list("pods", pdb.metadata.namespace ?? "")
    .map((e) => e.obj)
    .filter((p) => covers(p) && podPhase(p) !== "Succeeded" && podPhase(p) !== "Failed");
  const expectedPods = pods.length;
  const currentHealthy = pods.filter(healthy).length;
  const spec = isObject(pdb.spec) ? pdb.spec : {};
  let desiredHealthy = 0;
  if (spec.maxUnavailable !== undefined) {
    const max = scaled(spec.maxUnavailable, expectedPods, true) ?? 0;
    desiredHealthy = Math.max(0, expectedPods - max);
  } else if (spec.minAvailable !== undefined) {
    desiredHealthy = scaled(spec.minAvailable, expectedPods, true) ?? 0;
  }
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
    covers,
  };
}

export function budgetStatus(pdb: KubeObject, state: BudgetState, now: string): JsonObject {
  const previous = getPath(pdb, ["status", "conditions"]);
  const old = Array.isArray(previous)
    ? previous.find((c) => isObject(c) && c.type === "DisruptionAllowed")
    : undefined;
  const allowed = state.disruptionsAllowed > 0;
  const value = allowed ? "True" : "False";
  return {
    observedGeneration: pdb.metadata.generation ?? 1,
    disruptionsAllowed: state.disruptionsAllowed,
    currentHealthy: state.currentHealthy,
    desiredHealthy: state.desiredHealthy,
    expectedPods: state.expectedPods,
    conditions: [
      {
        type: "DisruptionAllowed",
        status: value,
        reason: allowed ? "SufficientPods" : "InsufficientPods",
        message: "",
        observedGeneration: pdb.metadata.generation ?? 1,
        lastTransitionTime:
          isObject(old) && old.status === value && typeof old.lastTransitionTime === "string"
            ? old.lastTransitionTime
            : now,
      },
    ],
  };
}
