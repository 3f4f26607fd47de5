/**
 * Shared pieces of the built-in functions: the calling convention, argument checks and the
 * Go conversions the original's functions use.
 */
import {
  arrayElement,
  formatFloat,
  isNumber,
  kindOf,
  toFloat,
  typeName,
  wrapInt,
} from "./values.js";

export interface Closure {
  readonly isClosure: true;
  call(element: unknown, index: number): unknown;
}

export interface BuiltinContext {
  fail(message: string): never;
  /** Charges one evaluation step (see the budget in evaluate.ts). */
  tick(): void;
}

export type Builtin = (args: readonly unknown[], ctx: BuiltinContext) => unknown;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function isClosure(value: unknown): value is Closure {
  return typeof value === "object" && value !== null && "isClosure" in value;
}

export function closureArg(args: readonly unknown[], index: number, ctx: BuiltinContext): Closure {
  const value = args[index];
  if (!isClosure(value)) return ctx.fail("expected a predicate");
  return value;
}

export function arrayArg(name: string, value: unknown, ctx: BuiltinContext): readonly unknown[] {
  if (kindOf(value) !== "array") ctx.fail(`${name}() expects an array, got ${typeName(value)}`);
  return value as readonly unknown[];
}

export function predicateResult(name: string, value: unknown, ctx: BuiltinContext): boolean {
  if (typeof value !== "boolean") {
    ctx.fail(`${name}() predicate must return bool, got ${typeName(value)}`);
  }
  return value;
}

/** Runs `visit` over each element with the predicate's boolean; stops when it returns a value. */
export function scan<T>(
  name: string,
  args: readonly unknown[],
  ctx: BuiltinContext,
  reverse: boolean,
  visit: (matched: boolean, element: unknown, index: number) => T | undefined,
): T | undefined {
  const array = arrayArg(name, args[0], ctx);
  const predicate = closureArg(args, 1, ctx);
  for (let step = 0; step < array.length; step++) {
    const index = reverse ? array.length - 1 - step : step;
    ctx.tick();
    const element = arrayElement(array, index);
    const matched = predicateResult(name, predicate.call(element, index), ctx);
    const outcome = visit(matched, element, index);
    if (outcome !== undefined) return outcome;
  }
  return undefined;
}

/** Numbers of a variadic call: `max(1, 2)`, `max([1, 2])`, nested arrays flattened. */
export function numbersOf(
  name: string,
  args: readonly unknown[],
  ctx: BuiltinContext,
): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  const visit = (value: unknown, depth: number): void => {
    ctx.tick();
    if (isNumber(value)) {
      out.push(value);
      return;
    }
    if (kindOf(value) === "array" && depth < 16) {
      for (const element of value as readonly unknown[]) visit(element, depth + 1);
      return;
    }
    ctx.fail(`invalid argument for ${name} (type ${typeName(value)})`);
  };
  for (const arg of args) visit(arg, 0);
  return out;
}

export function extreme(
  name: string,
  args: readonly unknown[],
  ctx: BuiltinContext,
  wantMax: boolean,
) {
  const numbers = numbersOf(name, args, ctx);
  let best: number | bigint | undefined;
  for (const candidate of numbers) {
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const a = toFloat(candidate);
    const b = toFloat(best);
    if (Number.isNaN(a)) return candidate; // Go's max/min propagate NaN.
    if (wantMax ? a > b : a < b) best = candidate;
  }
  if (best === undefined) return ctx.fail(`not enough arguments to call ${name}`);
  return best;
}

export function sumOf(numbers: readonly (number | bigint)[]): number | bigint {
  let intTotal = 0n;
  let floatTotal = 0;
  let anyFloat = false;
  for (const n of numbers) {
    if (typeof n === "bigint") intTotal = wrapInt(intTotal + n);
    else {
      anyFloat = true;
      floatTotal += n;
    }
  }
  return anyFloat ? floatTotal + Number(intTotal) : intTotal;
}

export function oneNumber(name: string, value: unknown, ctx: BuiltinContext): number | bigint {
  if (!isNumber(value)) ctx.fail(`invalid argument for ${name} (type ${typeName(value)})`);
  return value;
}

export function oneString(name: string, value: unknown, ctx: BuiltinContext): string {
  if (typeof value !== "string") ctx.fail(`invalid argument for ${name} (type ${typeName(value)})`);
  return value;
}

/** Go's strconv.ParseInt(s, 10, 64). */
export function parseGoInt(text: string, ctx: BuiltinContext): bigint {
  if (!/^[+-]?[0-9]+$/.test(text))
    ctx.fail(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) {
    ctx.fail(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  }
  return value;
}

/** Go's strconv.ParseFloat(s, 64), close enough: decimal, exponent, Inf/NaN spellings. */
export function parseGoFloat(text: string, ctx: BuiltinContext): number {
  const special = text.toLowerCase().replace(/^\+/, "");
  if (special === "nan") return Number.NaN;
  if (special === "inf" || special === "infinity") return Number.POSITIVE_INFINITY;
  if (special === "-inf" || special === "-infinity") return Number.NEGATIVE_INFINITY;
  const cleaned = text.replaceAll("_", "");
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(cleaned)) {
    ctx.fail(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return Number(cleaned);
}

export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export function truncateToInt(value: number, ctx: BuiltinContext): bigint {
  if (!Number.isFinite(value)) ctx.fail(`cannot convert ${formatFloat(value)} to int`);
  return wrapInt(BigInt(Math.trunc(value)));
}
