// Connects the plugins to the condition language (spec §4) that @sluice/sdk carries: the
// plugins decide a measurement's phase themselves (metric_provider.proto). The shape below is
// all the plugins rely on, so tests can adapt a stand-in.
import { compileCondition, expectBool } from "@sluice/sdk";
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

/** A ConditionLoader over the SDK's condition language, compiled programs cached. */
export function lazyConditionLoader(): ConditionLoader {
  const loaded = Promise.resolve({
    evaluate: adaptConditionLanguage({ compileCondition, expectBool }),
    source: "@sluice/sdk",
  });
  return () => loaded;
}
