import { describe, expect, it } from "vitest";
import { measurementPhaseFromResult } from "./conditions.js";
import { ttlDecision } from "./ttl.js";

describe("§2.5 measurement phase from the conditions", () => {
  it.each([
    // [successCondition, failureCondition, result, phase]
    [undefined, undefined, [0], "Successful"],
    ["result[0] > 1", undefined, [2], "Successful"],
    ["result[0] > 1", undefined, [0], "Failed"],
    [undefined, "result[0] > 1", [2], "Failed"],
    [undefined, "result[0] > 1", [0], "Successful"],
    ["result[0] > 1", "result[0] > 5", [9], "Failed"],
    ["result[0] > 1", "result[0] > 5", [3], "Successful"],
    ["result[0] > 1", "result[0] < 0", [0], "Inconclusive"],
    // spec §4.4 rows with both conditions
    ["result >= 0.95", "result < 0.95", Number.NaN, "Inconclusive"],
    ["all(result, # > 10)", "all(result, # < 10)", [11, 12, 9], "Inconclusive"],
    ["result.Status == 999", "result.Status == -1", { Status: 0 }, "Inconclusive"],
    [
      "result[0].count == 10",
      "result[2].count < 20",
      [{ count: 10 }, { count: 20 }, { count: 30 }],
      "Successful",
    ],
    ["len(result) == 0 || result[0] >= 0.95", undefined, [], "Successful"],
    ["len(result) > 0 && result[0] >= 0.95", undefined, [], "Failed"],
    ["default(result, 0) < 0.05", undefined, null, "Successful"],
    [undefined, "isInf(result)", Number.POSITIVE_INFINITY, "Failed"],
    ["", "", [1], "Successful"],
  ] as const)("S=%s F=%s result=%j → %s", (successCondition, failureCondition, result, phase) => {
    const verdict = measurementPhaseFromResult({ successCondition, failureCondition }, result);
    expect(verdict).toEqual({ phase });
  });

  it("an empty result explains itself (spec §4.4 row 5)", () => {
    expect(measurementPhaseFromResult({ successCondition: "result[0] >= 0.95" }, [])).toEqual({
      phase: "Error",
      message:
        'could not evaluate successCondition "result[0] >= 0.95": metric result is nil or empty: no data returned from the metric provider',
    });
    expect(measurementPhaseFromResult({ failureCondition: "result > 1" }, null).message).toContain(
      'could not evaluate failureCondition "result > 1": metric result is nil or empty',
    );
  });

  it("other evaluation errors carry the expression error and its position", () => {
    expect(measurementPhaseFromResult({ successCondition: "asInt(result) == 1.1" }, "1.1")).toEqual(
      {
        phase: "Error",
        message:
          'could not evaluate successCondition "asInt(result) == 1.1": strconv.ParseInt: parsing "1.1": invalid syntax (1:1)',
      },
    );
    expect(measurementPhaseFromResult({ successCondition: "1" }, [1]).message).toBe(
      'could not evaluate successCondition "1": expected bool, but got int',
    );
    expect(measurementPhaseFromResult({ successCondition: "result >" }, [1]).message).toContain(
      "unexpected token end of expression (1:9)",
    );
  });
});

describe("§2.12 TTL", () => {
  const completedAt = "2026-01-05T10:00:00Z";
  const at = (seconds: number) => Date.parse(completedAt) + seconds * 1000;

  it.each([
    // [ttlStrategy, phase, seconds since completion, delete?, requeue ms]
    [{ secondsAfterCompletion: 60 }, "Successful", 60.9, false, 100],
    [{ secondsAfterCompletion: 60 }, "Successful", 61, true, undefined],
    [{ secondsAfterCompletion: 60, secondsAfterSuccess: 10 }, "Successful", 11, true, undefined],
    [{ secondsAfterCompletion: 60, secondsAfterSuccess: 10 }, "Failed", 11, false, 50_000],
    [{ secondsAfterCompletion: 60, secondsAfterFailure: 5 }, "Failed", 6, true, undefined],
    // secondsAfterFailure applies to Failed only
    [{ secondsAfterCompletion: 60, secondsAfterFailure: 5 }, "Error", 6, false, 55_000],
    [{ secondsAfterFailure: 5 }, "Inconclusive", 1000, false, undefined],
    [{ secondsAfterSuccess: 0 }, "Successful", 1, true, undefined],
    [{ secondsAfterSuccess: 0 }, "Successful", 0.5, false, 500],
    [undefined, "Successful", 1e6, false, undefined],
  ] as const)(
    "%j %s after %ss → delete %s",
    (ttlStrategy, phase, seconds, deleteNow, requeueAfterMs) => {
      const decision = ttlDecision({ ttlStrategy }, { phase, completedAt }, at(seconds));
      expect(decision.deleteNow).toBe(deleteNow);
      if (requeueAfterMs === undefined) expect(decision.requeueAfterMs).toBeUndefined();
      else expect(decision.requeueAfterMs).toBeCloseTo(requeueAfterMs, 0);
    },
  );

  it("never deletes a running run", () => {
    expect(
      ttlDecision(
        { ttlStrategy: { secondsAfterCompletion: 0 } },
        { phase: "Running", completedAt },
        at(100),
      ).deleteNow,
    ).toBe(false);
  });
});
