/** Built-ins over numbers and strings, and the original's own functions (spec §4.3). */

import {
  type Builtin,
  extreme,
  numbersOf,
  oneNumber,
  oneString,
  parseGoFloat,
  parseGoInt,
  sumOf,
  truncateToInt,
} from "./builtin-support.js";
import { formatValue, isNumber, kindOf, toFloat, typeName, wrapInt } from "./values.js";

export const SCALAR_BUILTINS: readonly (readonly [string, Builtin])[] = [
  ["max", (args, ctx) => extreme("max", args, ctx, true)],
  ["min", (args, ctx) => extreme("min", args, ctx, false)],
  [
    "mean",
    (args, ctx) => {
      const numbers = numbersOf("mean", args, ctx);
      if (numbers.length === 0) return 0;
      return toFloat(sumOf(numbers)) / numbers.length;
    },
  ],
  [
    "median",
    (args, ctx) => {
      const numbers = numbersOf("median", args, ctx)
        .map(toFloat)
        .sort((a, b) => a - b);
      if (numbers.length === 0) return 0;
      const middle = Math.floor(numbers.length / 2);
      const upper = numbers[middle] ?? 0;
      return numbers.length % 2 === 1 ? upper : ((numbers[middle - 1] ?? 0) + upper) / 2;
    },
  ],
  [
    "abs",
    ([value], ctx) => {
      const n = oneNumber("abs", value, ctx);
      return typeof n === "bigint" ? wrapInt(n < 0n ? -n : n) : Math.abs(n);
    },
  ],
  ["ceil", ([value], ctx) => Math.ceil(toFloat(oneNumber("ceil", value, ctx)))],
  ["floor", ([value], ctx) => Math.floor(toFloat(oneNumber("floor", value, ctx)))],
  [
    "round",
    ([value], ctx) => {
      // Go's math.Round: half away from zero.
      const n = toFloat(oneNumber("round", value, ctx));
      return Math.sign(n) * Math.round(Math.abs(n));
    },
  ],
  [
    "int",
    ([value], ctx) => {
      if (typeof value === "bigint") return value;
      if (typeof value === "number") return truncateToInt(value, ctx);
      if (typeof value === "string") return parseGoInt(value, ctx);
      return ctx.fail(`invalid operation: int(${typeName(value)})`);
    },
  ],
  [
    "float",
    ([value], ctx) => {
      if (isNumber(value)) return toFloat(value);
      if (typeof value === "string") return parseGoFloat(value, ctx);
      return ctx.fail(`invalid operation: float(${typeName(value)})`);
    },
  ],
  ["string", ([value]) => formatValue(value)],
  ["lower", ([value], ctx) => oneString("lower", value, ctx).toLowerCase()],
  ["upper", ([value], ctx) => oneString("upper", value, ctx).toUpperCase()],
  [
    "trim",
    ([value, cutset], ctx) => {
      const text = oneString("trim", value, ctx);
      if (cutset === undefined) return text.trim();
      const chars = new Set(oneString("trim", cutset, ctx));
      const runes = [...text];
      let start = 0;
      let end = runes.length;
      while (start < end && chars.has(runes[start] ?? "")) start++;
      while (end > start && chars.has(runes[end - 1] ?? "")) end--;
      return runes.slice(start, end).join("");
    },
  ],
  [
    "type",
    ([value]) => {
      const kind = kindOf(value);
      return kind === "unsupported" ? "unknown" : kind;
    },
  ],
  // The original's own functions (spec §4.3).
  [
    "asInt",
    ([value], ctx) => {
      if (typeof value === "bigint") return value;
      if (typeof value === "number") return truncateToInt(value, ctx);
      if (typeof value === "string") return parseGoInt(value, ctx);
      return ctx.fail(`asInt() not supported on ${typeName(value)} ${formatValue(value)}`);
    },
  ],
  [
    "asFloat",
    ([value], ctx) => {
      if (isNumber(value)) return toFloat(value);
      if (typeof value === "string") return parseGoFloat(value, ctx);
      return ctx.fail(`asFloat() not supported on ${typeName(value)} ${formatValue(value)}`);
    },
  ],
  [
    "isNaN",
    ([value], ctx) => {
      if (!isNumber(value)) ctx.fail(`isNaN() expects a float64, got ${typeName(value)}`);
      return typeof value === "number" && Number.isNaN(value);
    },
  ],
  [
    "isInf",
    ([value], ctx) => {
      if (!isNumber(value)) ctx.fail(`isInf() expects a float64, got ${typeName(value)}`);
      return typeof value === "number" && !Number.isFinite(value) && !Number.isNaN(value);
    },
  ],
  // Open point 1: the original tests the whole `result` and ignores the argument; we test the
  // argument, which is identical for the documented `default(result, d)` / `isNil(result)`.
  ["isNil", ([value]) => kindOf(value) === "nil"],
  ["default", ([value, fallback]) => (kindOf(value) === "nil" ? (fallback ?? null) : value)],
];
