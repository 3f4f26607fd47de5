import { describe, expect, it } from "vitest";
import { compileCondition, evaluateCondition } from "./index.js";

function value(expression: string, result: unknown = null): unknown {
  const outcome = evaluateCondition(expression, { result });
  if (!outcome.ok) throw new Error(`${expression}: ${outcome.error.message}`);
  return outcome.value;
}

function error(expression: string, result: unknown = null): string {
  const outcome = evaluateCondition(expression, { result });
  if (outcome.ok) throw new Error(`${expression} evaluated to ${String(outcome.value)}`);
  return outcome.error.message;
}

describe("literals", () => {
  it.each([
    ["42", 42n],
    ["0x1F", 31n],
    ["1_000", 1000n],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1e3", 1000],
    ["'single'", "single"],
    ['"double"', "double"],
    ['"tab\\there"', "tab\there"],
    ["'it\\'s'", "it's"],
    ['"\\u00e9\\x41\\101"', "éAA"],
    ["`raw\\n`", "raw\\n"],
    ["true", true],
    ["false", false],
    ["nil", null],
    ["[1, 'a', nil]", [1n, "a", null]],
    ["[]", []],
  ])("%s", (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it("builds maps with name, string and computed keys", () => {
    expect(value("{a: 1, 'b c': 2, ('d' + 'e'): 3}")).toEqual({ a: 1n, "b c": 2n, de: 3n });
    expect(value("{__proto__: 1}.__proto__")).toBe(1n);
  });
});

describe("arithmetic follows Go", () => {
  it.each([
    ["1 + 2", 3n],
    ["1 + 2.5", 3.5],
    ["7 / 2", 3.5],
    ["6 / 3", 2],
    ["7 % 3", 1n],
    ["-7 % 3", -1n],
    ["2 ** 10", 1024],
    ["2 ^ 3 ^ 2", 512],
    ["-2 ** 2", -4],
    ["1 / 0", Number.POSITIVE_INFINITY],
    ["9223372036854775807 + 1", -9223372036854775808n],
    ["'a' + 'b'", "ab"],
    ["2 + 3 * 4", 14n],
    ["(2 + 3) * 4", 20n],
    ["10 - 2 - 3", 5n],
  ])("%s", (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it("rejects modulo of floats and by zero", () => {
    expect(error("1.5 % 1")).toContain("mismatched types float64 and int");
    expect(error("1 % 0")).toContain("integer divide by zero");
  });

  it("rejects arithmetic on strings and nil", () => {
    expect(error("'a' + 1")).toContain("mismatched types string and int");
    expect(error("result + 1")).toContain("mismatched types <nil> and int");
  });
});

describe("comparison and logic", () => {
  it.each([
    ["1 == 1.0", true],
    ["1 < 1.5", true],
    ["'abc' < 'abd'", true],
    ["nil == nil", true],
    ["1 == '1'", false],
    ["[1, 2] == [1.0, 2.0]", true],
    ["{a: 1} == {a: 1}", true],
    ["true and not false", true],
    ["true && !false", true],
    ["false or true", true],
    ["not true == false", true],
    ["2 in [1, 2]", true],
    ["3 not in [1, 2]", true],
    ["'a' in {a: 1}", true],
    ["'b' in {a: 1}", false],
    ["'hello' contains 'ell'", true],
    ["'hello' startsWith 'he'", true],
    ["'hello' endsWith 'lo'", true],
    ["1 < 2 ? 'yes' : 'no'", "yes"],
    ["nil ?? 5", 5n],
    ["3 ?? 5", 3n],
  ])("%s", (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it("NaN compares false and is unequal to itself", () => {
    expect(value("result == result", Number.NaN)).toBe(false);
    expect(value("result > 0 || result <= 0", Number.NaN)).toBe(false);
  });

  it("short-circuits so the right side is not evaluated", () => {
    expect(value("false && result[5] > 0", [])).toBe(false);
    expect(value("true || result[5] > 0", [])).toBe(true);
  });

  it("needs bool operands", () => {
    expect(error("1 && true")).toContain("operand must be bool");
    expect(error("!1")).toContain("not a bool");
    expect(error("result < 1")).toContain("mismatched types <nil> and int");
  });
});

describe("member access and indexing", () => {
  const data = { a: { b: [10, 20, 30] }, "x.y": 1 };

  it.each([
    ["result.a.b[0]", 10],
    ["result.a.b[-1]", 30],
    ["result['a']['b'][1]", 20],
    ["result['x.y']", 1],
    ["result.missing", null],
    ["result.missing?.deeper", null],
    ["result.a.b[1:]", [20, 30]],
    ["result.a.b[:-1]", [10, 20]],
    ["'hello'[1]", "e"],
    ["'hello'[1:3]", "el"],
  ])("%s", (expression, expected) => {
    expect(value(expression, data)).toEqual(expected);
  });

  it("errors on out-of-range index and member of nil", () => {
    expect(error("result.a.b[3]", data)).toContain("index out of range: 3 (array length is 3)");
    expect(error("result.a.b[-4]", data)).toContain("index out of range");
    expect(error("result.missing.deeper", data)).toContain("cannot fetch deeper from <nil>");
    expect(error("result.a.b.c", data)).toContain("cannot fetch c from []interface {}");
  });

  it("never reaches JavaScript internals", () => {
    const json = JSON.parse('{"__proto__": {"polluted": 1}, "k": 1}') as unknown;
    expect(value("result.constructor", {})).toBeNull();
    expect(value("result.__proto__", {})).toBeNull();
    expect(value("result.toString", {})).toBeNull();
    expect(value("result.__proto__.polluted", json)).toBe(1);
    expect(value("result.hasOwnProperty", json)).toBeNull();
    expect(error("result.length", [1, 2])).toContain("cannot fetch length");
    expect(error("result.constructor", "text")).toContain("cannot fetch constructor from string");
    expect(error("result.x", new Map([["x", 1]]))).toContain("cannot fetch x");
    expect(error("result.x", () => 1)).toContain("cannot fetch x");
  });

  it("does not run getters on data", () => {
    let called = false;
    const data = Object.defineProperty({}, "g", {
      enumerable: true,
      get() {
        called = true;
        return 1;
      },
    });
    expect(value("result.g", data)).toBeNull();
    expect(called).toBe(false);
  });
});

describe("built-ins", () => {
  it.each([
    ["len([1, 2, 3])", 3n],
    ["len('héllo')", 6n],
    ["len({a: 1})", 1n],
    ["all([], # > 1)", true],
    ["any([], # > 1)", false],
    ["none([1, 2], # > 5)", true],
    ["one([1, 2, 3], # > 2)", true],
    ["one([1, 2, 3], # > 1)", false],
    ["count([1, 2, 3], # > 1)", 2n],
    ["filter([1, 2, 3], {# >= 2})", [2n, 3n]],
    ["map([1, 2], # * 10)", [10n, 20n]],
    ["map([1, 2], #index)", [0n, 1n]],
    ["filter([{c: 1}, {c: 5}], .c > 2)", [{ c: 5n }]],
    ["all([[1, 2], [3]], {all(#, # > 0)})", true],
    ["find([1, 5, 7], # > 4)", 5n],
    ["findIndex([1, 5, 7], # > 4)", 1n],
    ["findLast([1, 5, 7], # > 4)", 7n],
    ["max([1, 5.5, 3])", 5.5],
    ["max(1, 7, 3)", 7n],
    ["min([4, 2, 8])", 2n],
    ["sum([1, 2, 3])", 6n],
    ["sum([1, 2.5])", 3.5],
    ["sum([1, 2], # * 2)", 6n],
    ["mean([1, 2, 3, 4])", 2.5],
    ["median([3, 1, 2])", 2],
    ["median([4, 1, 2, 3])", 2.5],
    ["abs(-3)", 3n],
    ["abs(-3.5)", 3.5],
    ["round(2.5)", 3],
    ["round(-2.5)", -3],
    ["floor(2.7)", 2],
    ["ceil(2.1)", 3],
    ["asInt(3.9)", 3n],
    ["asInt('-12')", -12n],
    ["asFloat('1e2')", 100],
    ["asFloat(2)", 2],
    ["int('5')", 5n],
    ["float('2.5')", 2.5],
    ["string(1.5)", "1.5"],
    ["upper('a')", "A"],
    ["keys({a: 1})", ["a"]],
    ["first([4, 5])", 4n],
    ["last([4, 5])", 5n],
    ["isNil(nil)", true],
    ["isNil(0)", false],
    ["default(nil, 3)", 3n],
    ["default(2, 3)", 2n],
    ["[1, 2, 3] | filter(# > 1) | len()", 2n],
    ["trim('__foo___', '_')", "foo"],
    ["type(1.5)", "float"],
    ["type(nil)", "nil"],
    ["get([1, 2], -1)", 2n],
    ["get([1, 2], 9)", null],
    ["get({a: 1}, 'b')", null],
    ["median(-10, [1, 2, 3, 4])", 2],
    ["mean([])", 0],
    ["sum([])", 0n],
    ["ceil(5)", 5],
    ["1..3", [1n, 2n, 3n]],
  ])("%s", (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it("reports misuse", () => {
    expect(error("asFloat('NotANum')")).toContain(
      'strconv.ParseFloat: parsing "NotANum": invalid syntax',
    );
    expect(error("len(1)")).toContain("invalid argument for len (type int)");
    expect(error("max([])")).toContain("not enough arguments to call max");
    expect(error("all(result, # > 1)")).toContain("all() expects an array, got <nil>");
    expect(error("all([1], 1)")).toContain("predicate must return bool, got int");
    expect(error("isNaN('x')")).toContain("isNaN() expects a float64, got string");
    expect(error("nope(1)")).toContain("unknown func nope");
    expect(error("len(1, 2)")).toContain("len() takes 1 argument(s), got 2");
  });
});

describe("compile once, evaluate many", () => {
  it("reuses a compiled program across results", () => {
    const compiled = compileCondition("result[0] >= 0.95");
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.program.evaluate({ result: [0.97] })).toEqual({ ok: true, value: true });
    expect(compiled.program.evaluate({ result: [0.5] })).toEqual({ ok: true, value: false });
    expect(compiled.program.evaluate({ result: [] }).ok).toBe(false);
  });

  it("accepts other variables when asked", () => {
    const compiled = compileCondition("a + b", { variables: ["a", "b"] });
    expect(compiled.ok && compiled.program.evaluate({ a: 1n, b: 2n })).toEqual({
      ok: true,
      value: 3n,
    });
  });
});
