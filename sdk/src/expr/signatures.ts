/**
 * Names and arities of the built-in functions, shared by the parser (which checks calls and
 * knows which argument is a `#` closure) and the evaluator. spec §4.3 lists the ones
 * conditions use; a few more from the original's built-ins are included (spec Open point 3).
 */

export interface Signature {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Index of the argument parsed as a closure (`{# > 1}` or `# > 1`), if any. */
  readonly closureArg?: number;
}

const one: Signature = { minArgs: 1, maxArgs: 1 };
const predicate: Signature = { minArgs: 2, maxArgs: 2, closureArg: 1 };
const variadic: Signature = { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY };

export const SIGNATURES: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  ["len", one],
  ["all", predicate],
  ["any", predicate],
  ["none", predicate],
  ["one", predicate],
  ["filter", predicate],
  ["map", predicate],
  ["find", predicate],
  ["findIndex", predicate],
  ["findLast", predicate],
  ["findLastIndex", predicate],
  ["count", { minArgs: 1, maxArgs: 2, closureArg: 1 }],
  ["sum", { minArgs: 1, maxArgs: 2, closureArg: 1 }],
  ["max", variadic],
  ["min", variadic],
  ["mean", variadic],
  ["median", variadic],
  ["abs", one],
  ["round", one],
  ["floor", one],
  ["ceil", one],
  ["int", one],
  ["float", one],
  ["string", one],
  ["lower", one],
  ["upper", one],
  ["trim", { minArgs: 1, maxArgs: 2 }],
  ["type", one],
  ["get", { minArgs: 2, maxArgs: 2 }],
  ["keys", one],
  ["values", one],
  ["first", one],
  ["last", one],
  // The original's own functions (spec §4.3).
  ["asInt", one],
  ["asFloat", one],
  ["isNaN", one],
  ["isInf", one],
  ["isNil", one],
  ["default", { minArgs: 2, maxArgs: 2 }],
]);
