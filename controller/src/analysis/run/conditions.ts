// Phase of one measurement from the metric's conditions, spec/analysis-and-providers.md
// §2.5. Providers (plugins) call this with the value they measured.

import { compileCondition, expectBool } from "@sluice/sdk";
import type { Metric } from "../../api/analysis.js";

export type ConditionPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

export interface ConditionVerdict {
  readonly phase: ConditionPhase;
  /** Set for Error: what could not be evaluated and why. */
  readonly message?: string;
}

/** Compiled conditions are reused: the same expression is evaluated at every measurement. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, ReturnType<typeof compileCondition>>();

function compiled(expression: string): ReturnType<typeof compileCondition> {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit;
  const fresh = compileCondition(expression);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(expression, fresh);
  return fresh;
}

function isNilOrEmpty(result: unknown): boolean {
  return result === null || result === undefined || (Array.isArray(result) && result.length === 0);
}

function evaluate(
  kind: "successCondition" | "failureCondition",
  expression: string,
  result: unknown,
): { ok: true; value: boolean } | { ok: false; message: string } {
  const program = compiled(expression);
  const outcome = program.ok
    ? expectBool(program.program.evaluate({ result: result ?? null }))
    : program;
  if (outcome.ok) return outcome;
  // The original's wording (§2.5): an empty result is the usual cause, so say so.
  const reason = isNilOrEmpty(result)
    ? "metric result is nil or empty: no data returned from the metric provider"
    : outcome.error.message;
  return { ok: false, message: `could not evaluate ${kind} "${expression}": ${reason}` };
}

/**
 * | success | failure | outcome |
 * | absent  | absent  | Successful |
 * | present | absent  | S → Successful, else Failed |
 * | absent  | present | F → Failed, else Successful |
 * | present | present | F → Failed (even if S); S → Successful; neither → Inconclusive |
 */
export function measurementPhaseFromResult(
  metric: Pick<Metric, "successCondition" | "failureCondition">,
  result: unknown,
): ConditionVerdict {
  const successExpression = metric.successCondition ?? "";
  const failureExpression = metric.failureCondition ?? "";
  let success = false;
  let failure = false;
  if (successExpression !== "") {
    const outcome = evaluate("successCondition", successExpression, result);
    if (!outcome.ok) return { phase: "Error", message: outcome.message };
    success = outcome.value;
  }
  if (failureExpression !== "") {
    const outcome = evaluate("failureCondition", failureExpression, result);
    if (!outcome.ok) return { phase: "Error", message: outcome.message };
    failure = outcome.value;
  }
  if (successExpression === "" && failureExpression === "") return { phase: "Successful" };
  if (failureExpression === "") failure = !success;
  if (successExpression === "") success = !failure;
  if (failure) return { phase: "Failed" };
  return { phase: success ? "Successful" : "Inconclusive" };
}

/** A condition that does not compile, for checking templates before any measurement. */
export function conditionCompileError(expression: string): string | undefined {
  const program = compiled(expression);
  return program.ok ? undefined : program.error.message;
}
