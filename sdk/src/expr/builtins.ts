/**
 * Built-in functions (spec/analysis-and-providers.md §4.1, §4.3). Each receives its
 * evaluated arguments; a closure argument arrives as a `Closure` that the function calls
 * per element. Failures go through `ctx.fail`, which throws an ExprError at the call.
 */
import type { Builtin } from "./builtin-support.js";
import { COLLECTION_BUILTINS } from "./builtins-collections.js";
import { SCALAR_BUILTINS } from "./builtins-scalars.js";

export type { BuiltinContext, Closure } from "./builtin-support.js";

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ...COLLECTION_BUILTINS,
  ...SCALAR_BUILTINS,
]);
