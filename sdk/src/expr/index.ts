/**
 * The condition language of AnalysisTemplates (spec/analysis-and-providers.md §4): our own
 * tokenizer, parser and evaluator for the expressions the original writes in expr-lang.
 * No JavaScript evaluation is involved and data is reached through own properties only.
 *
 * Nothing here throws: every entry point answers `{ok: true, ...}` or `{ok: false, error}`
 * with the error's message and position in the expression.
 */
import type { Node } from "./ast.js";
import { ExprError, type ExprErrorInfo, positionAt } from "./errors.js";
import { DEFAULT_STEP_BUDGET, Evaluator } from "./evaluate.js";
import { parse } from "./parser.js";
import { isPlainMap, type PlainMap, typeName } from "./values.js";

export type { ExprErrorInfo, ExprPosition } from "./errors.js";
export { formatValue, typeName } from "./values.js";

export interface CompileOptions {
  /** Names an expression may refer to; others are compile errors. Default `["result"]`. */
  readonly variables?: readonly string[];
  /** Evaluation steps allowed per evaluation (default 1,000,000). */
  readonly stepBudget?: number;
}

export type EvaluationOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ExprErrorInfo };

export interface CompiledCondition {
  readonly source: string;
  /** Evaluates against `env` (variable name → value). Never throws. */
  evaluate(env: Readonly<Record<string, unknown>>): EvaluationOutcome;
}

export type CompileOutcome =
  | { readonly ok: true; readonly program: CompiledCondition }
  | { readonly ok: false; readonly error: ExprErrorInfo };

/** Deepest tree the evaluator walks recursively (long `a + b + c ...` chains included). */
const MAX_TREE_DEPTH = 300;

export function compileCondition(expression: string, options: CompileOptions = {}): CompileOutcome {
  const variables = new Set(options.variables ?? ["result"]);
  const budget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  try {
    const tree = parse(expression);
    checkTree(expression, tree, variables);
    return { ok: true, program: new Program(expression, tree, budget) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(expression, error) };
  }
}

/** Compiles and evaluates once; the names of `env` are the known variables. */
export function evaluateCondition(
  expression: string,
  env: Readonly<Record<string, unknown>>,
  options: Omit<CompileOptions, "variables"> = {},
): EvaluationOutcome {
  const compiled = compileCondition(expression, {
    ...options,
    variables: Object.keys(env),
  });
  if (!compiled.ok) return compiled;
  return compiled.program.evaluate(env);
}

/** The original's rule for conditions: the value must be a bool (spec §2.5, example 27). */
export function expectBool(
  outcome: EvaluationOutcome,
):
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly error: ExprErrorInfo } {
  if (!outcome.ok) return outcome;
  if (typeof outcome.value === "boolean") return { ok: true, value: outcome.value };
  return {
    ok: false,
    error: {
      message: `expected bool, but got ${typeName(outcome.value)}`,
      position: { offset: 0, line: 1, column: 1 },
    },
  };
}

class Program implements CompiledCondition {
  constructor(
    readonly source: string,
    private readonly tree: Node,
    private readonly budget: number,
  ) {}

  evaluate(env: Readonly<Record<string, unknown>>): EvaluationOutcome {
    try {
      const variables: PlainMap = isPlainMap(env) ? env : {};
      const value = new Evaluator(this.source, variables, this.budget).evaluate(this.tree);
      return { ok: true, value: value === undefined ? null : value };
    } catch (error) {
      return { ok: false, error: toErrorInfo(this.source, error) };
    }
  }
}

function toErrorInfo(source: string, error: unknown): ExprErrorInfo {
  if (error instanceof ExprError) return error.toInfo();
  // A bug or a stack overflow must still come back as an expression error, not a crash.
  const detail = error instanceof Error ? error.message : String(error);
  const position = positionAt(source, 0);
  return {
    message: `internal error evaluating expression: ${detail} (${position.line}:${position.column})`,
    position,
  };
}

/** Depth bound and unknown names, walked with an explicit stack (no recursion). */
function checkTree(source: string, tree: Node, variables: ReadonlySet<string>): void {
  const stack: { node: Node; depth: number }[] = [{ node: tree, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    const { node, depth } = item;
    if (depth > MAX_TREE_DEPTH) {
      throw new ExprError(
        `expression nested deeper than ${MAX_TREE_DEPTH}`,
        positionAt(source, node.offset),
      );
    }
    if (node.kind === "identifier" && !variables.has(node.name)) {
      throw new ExprError(`unknown name ${node.name}`, positionAt(source, node.offset));
    }
    for (const child of children(node)) stack.push({ node: child, depth: depth + 1 });
  }
}

function children(node: Node): readonly Node[] {
  switch (node.kind) {
    case "literal":
    case "identifier":
    case "pointer":
      return [];
    case "unary":
      return [node.operand];
    case "binary":
      return [node.right, node.left];
    case "member":
      return [node.property, node.object];
    case "slice":
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])];
    case "call":
      return [...node.args].reverse();
    case "closure":
      return [node.body];
    case "array":
      return node.elements;
    case "map":
      return node.entries.flatMap((entry) => [entry.key, entry.value]);
    case "conditional":
      return [node.alternate, node.consequent, node.test];
  }
}
