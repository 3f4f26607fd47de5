// spec/analysis-and-providers.md §2.5: the phase of one measurement from the metric's
// successCondition / failureCondition, evaluated by the plugin (proto metric_provider.proto:
// "The plugin decides the phase of each measurement").
//
// The expression language itself is not implemented here: the plugin is handed an evaluator
// (the project's condition-language implementation) so there is one implementation of §4.

export type ConditionOutcome =
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly message: string };

/** Evaluates one condition with `result` bound; a non-boolean value is an error. */
export type ConditionEvaluator = (expression: string, result: unknown) => ConditionOutcome;

export type DecidedPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

export interface MetricConditions {
  successCondition?: string;
  failureCondition?: string;
}

/** Reads the two conditions from a metric object (absent or empty means absent). */
export function readConditions(metric: Readonly<Record<string, unknown>>): MetricConditions {
  const read = (key: string) => {
    const value = metric[key];
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const conditions: MetricConditions = {};
  const success = read("successCondition");
  const failure = read("failureCondition");
  if (success !== undefined) conditions.successCondition = success;
  if (failure !== undefined) conditions.failureCondition = failure;
  return conditions;
}

function isNilOrEmpty(result: unknown): boolean {
  return result === null || result === undefined || (Array.isArray(result) && result.length === 0);
}

export function decidePhase(
  conditions: MetricConditions,
  result: unknown,
  evaluate: ConditionEvaluator,
): { phase: DecidedPhase; message?: string } {
  const run = (which: "successCondition" | "failureCondition", expression: string) => {
    const outcome = evaluate(expression, result);
    if (outcome.ok) return outcome;
    const detail = isNilOrEmpty(result)
      ? "metric result is nil or empty: no data returned from the metric provider"
      : outcome.message;
    return {
      ok: false as const,
      message: `could not evaluate ${which} ${JSON.stringify(expression)}: ${detail}`,
    };
  };
  const { successCondition, failureCondition } = conditions;
  if (successCondition === undefined && failureCondition === undefined) {
    return { phase: "Successful" };
  }
  const success =
    successCondition !== undefined ? run("successCondition", successCondition) : undefined;
  if (success && !success.ok) return { phase: "Error", message: success.message };
  const failure =
    failureCondition !== undefined ? run("failureCondition", failureCondition) : undefined;
  if (failure && !failure.ok) return { phase: "Error", message: failure.message };
  const succeeded = success?.ok === true && success.value;
  const failed = failure?.ok === true && failure.value;
  if (success && failure) {
    if (failed) return { phase: "Failed" };
    return { phase: succeeded ? "Successful" : "Inconclusive" };
  }
  if (success) return { phase: succeeded ? "Successful" : "Failed" };
  return { phase: failed ? "Failed" : "Successful" };
}
