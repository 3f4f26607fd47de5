import { describe, expect, it } from "vitest";
import { type ConditionEvaluator, decidePhase, readConditions } from "./conditions.js";

// A stand-in for the condition language: each expression's outcome is given by the table.
function table(outcomes: Record<string, boolean | string>): ConditionEvaluator {
  return (expression) => {
    const outcome = outcomes[expression];
    if (typeof outcome === "boolean") return { ok: true, value: outcome };
    return { ok: false, message: outcome ?? `unknown expression ${expression}` };
  };
}

describe("decidePhase (spec §2.5)", () => {
  const evaluate = table({
    S: true,
    s: false,
    F: true,
    f: false,
    bad: "expected bool, but got int",
  });

  it.each([
    [{}, "Successful"],
    [{ successCondition: "S" }, "Successful"],
    [{ successCondition: "s" }, "Failed"],
    [{ failureCondition: "F" }, "Failed"],
    [{ failureCondition: "f" }, "Successful"],
    [{ successCondition: "S", failureCondition: "F" }, "Failed"],
    [{ successCondition: "S", failureCondition: "f" }, "Successful"],
    [{ successCondition: "s", failureCondition: "f" }, "Inconclusive"],
    [{ successCondition: "s", failureCondition: "F" }, "Failed"],
  ])("%j → %s", (conditions, phase) => {
    expect(decidePhase(conditions, [1], evaluate).phase).toBe(phase);
  });

  it("an evaluation error is an Error measurement naming the condition", () => {
    expect(decidePhase({ successCondition: "bad" }, 1, evaluate)).toEqual({
      phase: "Error",
      message: 'could not evaluate successCondition "bad": expected bool, but got int',
    });
    expect(decidePhase({ failureCondition: "bad" }, 1, evaluate).message).toBe(
      'could not evaluate failureCondition "bad": expected bool, but got int',
    );
  });

  it("says there was no data when the result is nil or empty", () => {
    for (const result of [null, []]) {
      expect(decidePhase({ successCondition: "bad" }, result, evaluate).message).toBe(
        'could not evaluate successCondition "bad": metric result is nil or empty: no data returned from the metric provider',
      );
    }
  });

  it("reads conditions from a metric, ignoring empty ones", () => {
    expect(readConditions({ successCondition: "result > 1", failureCondition: "" })).toEqual({
      successCondition: "result > 1",
    });
  });
});
