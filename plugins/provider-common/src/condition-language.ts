// Connects the plugins to the project's condition language (spec §4), whose implementation
// lives with the AnalysisRun controller. The plugins need it to decide a measurement's phase
// (metric_provider.proto), so it is looked up by its public package entry at start-up. The
// shape below is all the plugins rely on; anything that offers it can be adapted.
import type { ConditionEvaluator, ConditionOutcome } from "./conditions.js";

type EvaluationOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly message: string } };

export interface ConditionLanguage {
  compileCondition(
    expression: string,
    options?: { variables?: readonly string[] },
  ):
    | {
        readonly ok: true;
        readonly program: { evaluate(env: Readonly<Record<string, unknown>>): EvaluationOutcome };
      }
    | { readonly ok: false; readonly error: { readonly message: string } };
  expectBool(
    outcome: EvaluationOutcome,
  ):
    | { readonly ok: true; readonly value: boolean }
    | { readonly ok: false; readonly error: { readonly message: string } };
}

/**
 * Public package entries that may carry the condition language, in order of preference. Only
 * a small package belongs here: a plugin must not load the controller (it costs seconds at
 * start-up and points the dependency the wrong way).
 */
export const CONDITION_LANGUAGE_PACKAGES: readonly string[] = ["@sluice/sdk"];

/** Finds the condition language once, on first use. */
export type ConditionLoader = () => Promise<{ evaluate: ConditionEvaluator; source: string }>;

const MAX_CACHED_PROGRAMS = 1000;

/** A ConditionEvaluator over `language`, compiling each distinct expression once. */
export function adaptConditionLanguage(language: ConditionLanguage): ConditionEvaluator {
  const programs = new Map<string, ReturnType<ConditionLanguage["compileCondition"]>>();
  return (expression, result): ConditionOutcome => {
    let compiled = programs.get(expression);
    if (compiled === undefined) {
      compiled = language.compileCondition(expression, { variables: ["result"] });
      if (programs.size >= MAX_CACHED_PROGRAMS) programs.clear();
      programs.set(expression, compiled);
    }
    if (!compiled.ok) return { ok: false, message: compiled.error.message };
    const checked = language.expectBool(compiled.program.evaluate({ result }));
    return checked.ok ? checked : { ok: false, message: checked.error.message };
  };
}

function isConditionLanguage(value: unknown): value is ConditionLanguage {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.compileCondition === "function" && typeof candidate.expectBool === "function"
  );
}

/**
 * The condition language from the first package in CONDITION_LANGUAGE_PACKAGES that exports
 * `compileCondition` and `expectBool`; otherwise an evaluator whose every evaluation is an
 * error saying so (measurements without conditions still work).
 */
export async function loadConditionEvaluator(
  packages: readonly string[] = CONDITION_LANGUAGE_PACKAGES,
): Promise<{ evaluate: ConditionEvaluator; source: string }> {
  const tried: string[] = [];
  for (const specifier of packages) {
    try {
      const module: unknown = await import(specifier);
      if (isConditionLanguage(module))
        return { evaluate: adaptConditionLanguage(module), source: specifier };
      tried.push(`${specifier} (no compileCondition/expectBool export)`);
    } catch (error) {
      tried.push(
        `${specifier} (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
      );
    }
  }
  const message = `the condition language is not available to this plugin: looked in ${tried.join("; ")}`;
  return { evaluate: () => ({ ok: false, message }), source: message };
}

/** A ConditionLoader that runs loadConditionEvaluator the first time it is called. */
export function lazyConditionLoader(packages?: readonly string[]): ConditionLoader {
  let loading: ReturnType<ConditionLoader> | undefined;
  return () => {
    loading ??= loadConditionEvaluator(packages);
    return loading;
  };
}
