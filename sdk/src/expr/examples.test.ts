import { describe, expect, it } from "vitest";
import { evaluateCondition, expectBool } from "./index.js";

// spec/analysis-and-providers.md §4.4: (expression, sample result, value). `error` rows name
// a fragment of the message the user sees.
type Row = readonly [number, string, unknown, boolean | { error: string }];

const rows: readonly Row[] = [
  [1, "result[0] >= 0.95", [0.97], true],
  [2, "result[0] >= 10", [12], true],
  [3, "len(result) == 0 || result[0] >= 0.95", [], true],
  [4, "len(result) > 0 && result[0] >= 0.95", [], false],
  [5, "result[0] >= 0.95", [], { error: "index out of range" }],
  [6, "isNaN(result) || result >= 0.95", Number.NaN, true],
  [7, "result >= 0.95", Number.NaN, false],
  [7, "result < 0.95", Number.NaN, false],
  [8, "isInf(result)", Number.POSITIVE_INFINITY, true],
  [8, "isInf(result)", Number.NEGATIVE_INFINITY, true],
  [9, "all(result, # < 1000)", [200, 850, 999], true],
  [10, "all(result, # > 10)", [11, 12, 9], false],
  [10, "all(result, # < 10)", [11, 12, 9], false],
  [11, "default(result, 0) < 0.05", null, true],
  [12, "result < 0.001", 0.0003332881882246533, true],
  [13, "max(result) < 0.05", [0.01, 0.087, 0.04], false],
  [14, "result == 'true'", "true", true],
  [15, "result == true", true, true],
  [15, "result == true", "true", false],
  [16, "result.ok && result.successPercent >= 0.90", { ok: true, successPercent: 0.95 }, true],
  [17, "result.Status == 999", { Status: 0, Reason: "x" }, false],
  [17, "result.Status == -1", { Status: 0, Reason: "x" }, false],
  [
    18,
    "result.a > 0 && result.b && all(result.c, {# < 5}) && result.d == nil",
    { a: 1, b: true, c: [1, 2, 3, 4], d: null },
    true,
  ],
  [19, "asInt(result) > 0", "1", true],
  [20, "asFloat(result) > 1.1", "1.2", true],
  [21, "asInt(result) == 1.1", "1.1", { error: 'parsing "1.1": invalid syntax' }],
  [22, "any(result, {# > 5})", [1, 2, 3, 4, 5, 6], true],
  [22, "any(result, {# > 6})", [1, 2, 3, 4, 5, 6], false],
  [
    23,
    'result.num > 1.1 && result.bool && result.mapfield.foo == "bar"',
    { num: 1.2, bool: true, mapfield: { foo: "bar" } },
    true,
  ],
  [
    24,
    "result.count == 10 and result['average.duration'] < 15.0",
    { count: 10, "average.duration": 12.34 },
    true,
  ],
  [25, "result[0].count == 10", [{ count: 10 }, { count: 20 }, { count: 30 }], true],
  [25, "result[2].count < 20", [{ count: 10 }, { count: 20 }, { count: 30 }], false],
  [26, "results[0] >= 90.0", [95], { error: "unknown name results" }],
  [27, "1", [1], { error: "expected bool, but got int" }],
];

describe("spec §4.4 condition examples", () => {
  it.each(rows)("#%i %s", (_n, expression, result, expected) => {
    const outcome = expectBool(evaluateCondition(expression, { result }));
    if (typeof expected === "boolean") {
      expect(outcome).toEqual({ ok: true, value: expected });
    } else {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.message).toContain(expected.error);
    }
  });
});
