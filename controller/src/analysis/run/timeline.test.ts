import { describe, expect, it } from "vitest";
import { analysisRun, counters, metric, resultOf, sequence, simulate, T0 } from "./test-support.js";

// spec/analysis-and-providers.md §2.13: interval 1m, count 3, failureLimit 1,
// successCondition result[0] > 0.9; values 0.95, error (timeout), 0.5, 0.99.
describe("§2.13 worked timeline", () => {
  const run = analysisRun({
    metrics: [
      metric({
        name: "success-rate",
        interval: "1m",
        count: 3,
        failureLimit: 1,
        successCondition: "result[0] > 0.9",
      }),
    ],
  });
  const passes = simulate(
    run,
    sequence([{ result: [0.95] }, { error: "timeout" }, { result: [0.5] }, { result: [0.99] }]),
  );

  it.each([
    // [pass, seconds after t0, measurement phase, metric counters, run phase]
    [
      0,
      0,
      "Successful",
      { phase: "Running", count: 1, successful: 1, consecutiveSuccess: 1 },
      "Running",
    ],
    [
      1,
      60,
      "Error",
      { phase: "Running", count: 1, successful: 1, error: 1, consecutiveError: 1 },
      "Running",
    ],
    [
      2,
      70,
      "Failed",
      { phase: "Running", count: 2, successful: 1, failed: 1, error: 1 },
      "Running",
    ],
    [
      3,
      130,
      "Successful",
      { phase: "Successful", count: 3, successful: 2, failed: 1, error: 1, consecutiveSuccess: 1 },
      "Successful",
    ],
  ] as const)(
    "pass %i at t0+%is: measurement %s",
    (index, seconds, measurementPhase, expected, runPhase) => {
      const pass = passes[index];
      expect(pass).toBeDefined();
      if (pass === undefined) return;
      // Each measurement is taken just after it is due (second-precision times, strict ">").
      expect(Math.floor((pass.atMs - T0) / 1000)).toBe(seconds);
      expect(pass.tasks).toEqual(["run:success-rate"]);
      const result = resultOf(pass.run, "success-rate");
      expect(result?.measurements?.at(-1)?.phase).toBe(measurementPhase);
      expect(counters(result)).toEqual(expected);
      expect(pass.run.status?.phase).toBe(runPhase);
    },
  );

  it("ends Successful with one successful metric in the summary", () => {
    expect(passes).toHaveLength(4);
    const last = passes[3]?.run.status;
    expect(last?.runSummary).toEqual({ count: 1, successful: 1 });
    expect(last?.dryRunSummary).toEqual({});
    expect(last?.startedAt).toBe("2026-01-05T10:00:00Z");
    expect(last?.completedAt).toBe("2026-01-05T10:02:10Z");
    expect(passes[3]?.update?.events.map((e) => e.reason)).toEqual([
      "MetricSuccessful",
      "AnalysisRunSuccessful",
    ]);
  });

  it("retries 10 s after the error, not one interval later", () => {
    expect(passes[1]?.update?.requeueAfterMs).toBeGreaterThan(9_000);
    expect(passes[1]?.update?.requeueAfterMs).toBeLessThanOrEqual(10_001);
  });

  it("keeps the provider metadata from the first measurement", () => {
    expect(resultOf(passes[3]?.run ?? run, "success-rate")?.metadata).toEqual({
      source: "metadata of success-rate",
    });
  });
});
