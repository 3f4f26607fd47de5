import { describe, expect, it } from "vitest";
import { compileCondition, evaluateCondition } from "./index.js";

function failure(expression: string, result: unknown = [1]) {
  const outcome = evaluateCondition(expression, { result });
  if (outcome.ok) throw new Error(`${expression} evaluated to ${String(outcome.value)}`);
  return outcome.error;
}

describe("errors name where in the expression they happened", () => {
  it.each([
    // [expression, message fragment, line, column]
    ["result[0] >= ", "unexpected token end of expression", 1, 14],
    ["result[0] >= 0.95 )", 'unexpected token ")"', 1, 19],
    ["results[0] >= 90.0", "unknown name results", 1, 1],
    ["result[0] > 1 && nope(2)", "unknown func nope", 1, 18],
    ["'unterminated", "literal not terminated", 1, 1],
    ['"bad \\q escape"', "invalid char escape", 1, 6],
    ["result[0] @ 1", 'unexpected character "@"', 1, 11],
    ["# > 1", "cannot use # outside of a closure", 1, 1],
    ["len(result, 2)", "len() takes 1 argument(s), got 2", 1, 1],
    ["1 +\n  (2 *", "unexpected token end of expression", 2, 7],
    ["99999999999999999999 > 1", "integer literal is too large", 1, 1],
  ])("%j", (expression, fragment, line, column) => {
    const error = failure(expression);
    expect(error.message).toContain(fragment);
    expect(error.position).toMatchObject({ line, column });
    expect(error.message).toContain(`(${line}:${column})`);
  });

  it("points runtime errors at the failing operation", () => {
    const index = failure("len(result) > 0 && result[5] > 1", [1, 2]);
    expect(index.message).toContain("index out of range: 5 (array length is 2)");
    expect(index.position).toMatchObject({ line: 1, column: 26 });

    const compare = failure("result.a < 1", { a: null });
    expect(compare.message).toContain("mismatched types <nil> and int");
    expect(compare.position.column).toBe(10);

    const member = failure("result.a.b == 1", {});
    expect(member.message).toContain("cannot fetch b from <nil>");
    expect(member.position.column).toBe(10);

    const call = failure("asInt(result) == 1", "1.1");
    expect(call.message).toContain('parsing "1.1": invalid syntax');
    expect(call.position.column).toBe(1);
  });

  it("reports compile errors from compileCondition without evaluating", () => {
    const compiled = compileCondition("result >");
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error.position.offset).toBe(8);
  });

  it("bounds nesting, length and work", () => {
    expect(failure(`${"(".repeat(500)}1${")".repeat(500)}`).message).toContain("nested deeper");
    expect(failure(`${"-".repeat(500)}1`).message).toContain("nested deeper");
    expect(failure(`${"1 ** ".repeat(500)}1`).message).toContain("nested deeper");
    expect(failure(`${"1 + ".repeat(2000)}1 > 0`).message).toContain("nested deeper");
    expect(failure("x".repeat(20_000)).message).toContain("longer than");
    const heavy = evaluateCondition(
      "all(1..1000, {all(1..1000, {all(1..1000, {# > 0})})})",
      { result: null },
      { stepBudget: 100_000 },
    );
    expect(heavy.ok).toBe(false);
    if (!heavy.ok) expect(heavy.error.message).toContain("evaluation budget of 100000 steps");
  });
});
