import { describe, expect, it } from "vitest";
import { evaluateTimeExpression } from "./time-expression.js";

const now = Date.parse("2026-01-05T10:00:00Z");

describe("rangeQuery time expressions", () => {
  it.each([
    ["now()", now],
    ['now() - duration("5m")', now - 300_000],
    ["now() - duration('1h30m') + duration(\"30m\")", now - 3_600_000],
    ['now() - (duration("1m") + duration("1m"))', now - 120_000],
    ['date("2026-01-05T09:00:00Z")', now - 3_600_000],
  ])("%s", (source, expected) => {
    expect(evaluateTimeExpression(source, now)).toBe(expected);
  });

  it("explains what is wrong and where", () => {
    expect(() => evaluateTimeExpression('duration("5m")', now)).toThrow(
      /gives a duration, not a time/,
    );
    expect(() => evaluateTimeExpression("now() * 2", now)).toThrow(/unexpected text at column 7/);
    expect(() => evaluateTimeExpression('now() - duration("5x")', now)).toThrow(
      /time: invalid duration "5x"/,
    );
    expect(() => evaluateTimeExpression("now() + now()", now)).toThrow(
      /cannot add a time to a time/,
    );
  });
});
