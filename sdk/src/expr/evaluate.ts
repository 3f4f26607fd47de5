/**
 * Tree-walking evaluator with Go numeric semantics (spec/analysis-and-providers.md §4,
 * Open point 3): int and float mix in comparisons and arithmetic, `/` and `**` give floats,
 * `%` is integers only, NaN compares false, int64 wraps. Every node costs a step from a
 * budget so no expression can run unbounded.
 */
import type { BinaryOperator, Node } from "./ast.js";
import { BUILTINS, type Closure } from "./builtins.js";
import { ExprError, positionAt } from "./errors.js";
import {
  arrayElement,
  formatValue,
  isNumber,
  kindOf,
  newMap,
  ownProperty,
  type PlainMap,
  toFloat,
  typeName,
  valuesEqual,
  wrapInt,
} from "./values.js";

/** Default number of evaluation steps (nodes visited, elements iterated) per evaluation. */
export const DEFAULT_STEP_BUDGET = 1_000_000;
/** Longest string or range an expression may build. */
const MAX_BUILT_LENGTH = 1_000_000;

interface Scope {
  readonly element: unknown;
  readonly index: number;
}

export class Evaluator {
  private steps = 0;
  private readonly scopes: Scope[] = [];

  constructor(
    private readonly source: string,
    private readonly variables: PlainMap,
    private readonly budget: number,
  ) {}

  fail(message: string, offset: number): never {
    throw new ExprError(message, positionAt(this.source, offset));
  }

  private tick(offset: number): void {
    this.steps++;
    if (this.steps > this.budget) {
      this.fail(`expression exceeded its evaluation budget of ${this.budget} steps`, offset);
    }
  }

  evaluate(node: Node): unknown {
    this.tick(node.offset);
    switch (node.kind) {
      case "literal":
        return node.value;
      case "identifier": {
        if (!Object.hasOwn(this.variables, node.name)) {
          return this.fail(`unknown name ${node.name}`, node.offset);
        }
        return ownProperty(this.variables, node.name) ?? null;
      }
      case "pointer": {
        const scope = this.scopes[this.scopes.length - 1];
        if (scope === undefined) return this.fail("cannot use # outside of a closure", node.offset);
        return node.name === "index" ? BigInt(scope.index) : scope.element;
      }
      case "unary":
        return this.unary(node.operator, this.evaluate(node.operand), node.offset);
      case "binary":
        return this.binary(node.operator, node.left, node.right, node.offset);
      case "member": {
        const object = this.evaluate(node.object);
        if (node.optional && kindOf(object) === "nil") return null;
        return this.fetch(object, this.evaluate(node.property), node.offset);
      }
      case "slice":
        return this.slice(node);
      case "call":
        return this.call(node);
      case "closure":
        return this.fail("a closure can only be an argument of a built-in", node.offset);
      case "array":
        return node.elements.map((element) => this.evaluate(element));
      case "map":
        return newMap(
          node.entries.map((entry) => {
            const key = this.evaluate(entry.key);
            if (typeof key !== "string") {
              this.fail(`a map key must be a string, got ${typeName(key)}`, entry.key.offset);
            }
            return [key, this.evaluate(entry.value)] as const;
          }),
        );
      case "conditional": {
        const test = this.evaluate(node.test);
        if (typeof test !== "boolean") {
          return this.fail(`non-bool condition in ?: (type ${typeName(test)})`, node.offset);
        }
        return this.evaluate(test ? node.consequent : node.alternate);
      }
    }
  }

  private unary(operator: "!" | "-" | "+", value: unknown, offset: number): unknown {
    if (operator === "!") {
      if (typeof value !== "boolean") {
        return this.fail(`invalid operation: !${typeName(value)} (not a bool)`, offset);
      }
      return !value;
    }
    if (typeof value === "bigint") return operator === "-" ? wrapInt(-value) : value;
    if (typeof value === "number") return operator === "-" ? -value : value;
    return this.fail(`invalid operation: ${operator}${typeName(value)}`, offset);
  }

  private logical(operator: "&&" | "||", left: Node, right: Node, offset: number): boolean {
    const a = this.evaluate(left);
    if (typeof a !== "boolean") {
      return this.fail(
        `invalid operation: ${typeName(a)} ${operator} ... (operand must be bool)`,
        offset,
      );
    }
    if (operator === "&&" ? !a : a) return a;
    const b = this.evaluate(right);
    if (typeof b !== "boolean") {
      return this.fail(
        `invalid operation: bool ${operator} ${typeName(b)} (operand must be bool)`,
        offset,
      );
    }
    return b;
  }

  private binary(operator: BinaryOperator, left: Node, right: Node, offset: number): unknown {
    if (operator === "&&" || operator === "||") return this.logical(operator, left, right, offset);
    const a = this.evaluate(left);
    if (operator === "??") return kindOf(a) === "nil" ? this.evaluate(right) : a;
    const b = this.evaluate(right);
    const mismatch = (): never =>
      this.fail(
        `invalid operation: ${operator} (mismatched types ${typeName(a)} and ${typeName(b)})`,
        offset,
      );
    switch (operator) {
      case "==":
        return valuesEqual(a, b);
      case "!=":
        return !valuesEqual(a, b);
      case "<":
      case "<=":
      case ">":
      case ">=": {
        if (isNumber(a) && isNumber(b)) {
          if (typeof a === "bigint" && typeof b === "bigint") return compare(operator, a, b);
          return compare(operator, toFloat(a), toFloat(b));
        }
        if (typeof a === "string" && typeof b === "string") return compare(operator, a, b);
        return mismatch();
      }
      case "in":
      case "not in": {
        const found = this.contains(b, a, offset);
        return operator === "in" ? found : !found;
      }
      case "contains":
      case "startsWith":
      case "endsWith": {
        if (typeof a !== "string" || typeof b !== "string") return mismatch();
        if (operator === "contains") return a.includes(b);
        return operator === "startsWith" ? a.startsWith(b) : a.endsWith(b);
      }
      case "..":
        return this.range(a, b, offset);
      case "+":
        if (typeof a === "string" && typeof b === "string") {
          if (a.length + b.length > MAX_BUILT_LENGTH) {
            this.fail(`string longer than ${MAX_BUILT_LENGTH} characters`, offset);
          }
          return a + b;
        }
        return this.arithmetic(operator, a, b, mismatch, offset);
      case "-":
      case "*":
      case "/":
      case "%":
      case "**":
        return this.arithmetic(operator, a, b, mismatch, offset);
      default:
        return mismatch();
    }
  }

  private arithmetic(
    operator: "+" | "-" | "*" | "/" | "%" | "**",
    a: unknown,
    b: unknown,
    mismatch: () => never,
    offset: number,
  ): unknown {
    if (!isNumber(a) || !isNumber(b)) return mismatch();
    if (operator === "%") {
      if (typeof a !== "bigint" || typeof b !== "bigint") return mismatch();
      if (b === 0n) return this.fail("integer divide by zero", offset);
      return wrapInt(a % b);
    }
    if (operator === "/") return toFloat(a) / toFloat(b);
    if (operator === "**") return goPow(toFloat(a), toFloat(b));
    if (typeof a === "bigint" && typeof b === "bigint") {
      if (operator === "+") return wrapInt(a + b);
      if (operator === "-") return wrapInt(a - b);
      return wrapInt(a * b);
    }
    const x = toFloat(a);
    const y = toFloat(b);
    if (operator === "+") return x + y;
    if (operator === "-") return x - y;
    return x * y;
  }

  private contains(container: unknown, needle: unknown, offset: number): boolean {
    switch (kindOf(container)) {
      case "array": {
        const array = container as readonly unknown[];
        for (let i = 0; i < array.length; i++) {
          this.tick(offset);
          if (valuesEqual(arrayElement(array, i), needle)) return true;
        }
        return false;
      }
      case "map":
        if (typeof needle !== "string") {
          return this.fail(`cannot use ${typeName(needle)} as a map key`, offset);
        }
        return Object.hasOwn(container as PlainMap, needle);
      default:
        return this.fail(`operator "in" not defined on ${typeName(container)}`, offset);
    }
  }

  private range(from: unknown, to: unknown, offset: number): bigint[] {
    if (typeof from !== "bigint" || typeof to !== "bigint") {
      return this.fail(
        `invalid operation: .. (mismatched types ${typeName(from)} and ${typeName(to)})`,
        offset,
      );
    }
    if (to < from) return [];
    if (to - from >= BigInt(MAX_BUILT_LENGTH)) {
      return this.fail(`range longer than ${MAX_BUILT_LENGTH} elements`, offset);
    }
    const out: bigint[] = [];
    for (let i = from; i <= to; i++) {
      this.tick(offset);
      out.push(i);
    }
    return out;
  }

  /** `object[key]` / `object.key`: own data only, negative array indices count from the end. */
  private fetch(object: unknown, key: unknown, offset: number): unknown {
    switch (kindOf(object)) {
      case "map":
        if (typeof key !== "string") {
          return this.fail(`cannot use ${typeName(key)} as a map key`, offset);
        }
        return ownProperty(object as PlainMap, key) ?? null;
      case "array":
      case "string": {
        const sequence = object as readonly unknown[] | string;
        if (!isNumber(key)) {
          return this.fail(`cannot fetch ${formatValue(key)} from ${typeName(object)}`, offset);
        }
        const length = sequence.length;
        let index = typeof key === "bigint" ? Number(key) : Math.trunc(key);
        if (index < 0) index += length;
        if (!(index >= 0 && index < length)) {
          return this.fail(
            `index out of range: ${formatValue(key)} (array length is ${length})`,
            offset,
          );
        }
        if (typeof sequence === "string") return sequence.charAt(index);
        return arrayElement(sequence, index) ?? null;
      }
      default:
        return this.fail(`cannot fetch ${formatValue(key)} from ${typeName(object)}`, offset);
    }
  }

  private slice(node: Extract<Node, { kind: "slice" }>): unknown {
    const object = this.evaluate(node.object);
    const kind = kindOf(object);
    if (kind !== "array" && kind !== "string") {
      return this.fail(`cannot slice ${typeName(object)}`, node.offset);
    }
    const sequence = object as readonly unknown[] | string;
    const bound = (part: Node | undefined, fallback: number): number => {
      if (part === undefined) return fallback;
      const value = this.evaluate(part);
      if (typeof value !== "bigint") {
        return this.fail(`slice bounds must be int, got ${typeName(value)}`, part.offset);
      }
      let index = Number(value);
      if (index < 0) index += sequence.length;
      return Math.max(0, Math.min(sequence.length, index));
    };
    const from = bound(node.from, 0);
    const to = bound(node.to, sequence.length);
    if (to < from) return this.fail(`invalid slice bounds ${from}:${to}`, node.offset);
    return sequence.slice(from, to);
  }

  private call(node: Extract<Node, { kind: "call" }>): unknown {
    const builtin = BUILTINS.get(node.callee);
    if (builtin === undefined) return this.fail(`unknown func ${node.callee}`, node.offset);
    const args = node.args.map((arg) =>
      arg.kind === "closure" ? this.closure(arg.body) : this.evaluate(arg),
    );
    return builtin(args, {
      fail: (message) => this.fail(message, node.offset),
      tick: () => this.tick(node.offset),
    });
  }

  private closure(body: Node): Closure {
    return {
      isClosure: true,
      call: (element, index) => {
        this.scopes.push({ element: element ?? null, index });
        try {
          return this.evaluate(body);
        } finally {
          this.scopes.pop();
        }
      },
    };
  }
}

function compare<T extends number | bigint | string>(
  operator: "<" | "<=" | ">" | ">=",
  a: T,
  b: T,
): boolean {
  switch (operator) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

/** Go's math.Pow differs from `**` in two NaN/Inf cases. */
function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}
