import { describe, expect, it } from "vitest";
import type { Metric, MetricResult } from "../../api/analysis.js";
import { assessMetric } from "./assess.js";
import { metricSettings } from "./settings.js";
import {
  analysisRun,
  counters,
  metric,
  resultOf,
  type ScriptedAnswer,
  sequence,
  simulate,
} from "./test-support.js";

const S: ScriptedAnswer = { result: [1] };
const F: ScriptedAnswer = { result: [0] };
const I: ScriptedAnswer = { result: [0.5] };
const E: ScriptedAnswer = { error: "connection refused" };

// success when > 0.9, failure when < 0.1, otherwise Inconclusive.
function limitedMetric(extra: Partial<Metric>): Metric {
  return metric({
    name: "m",
    interval: "10s",
    successCondition: "result[0] > 0.9",
    failureCondition: "result[0] < 0.1",
    ...extra,
  });
}

function finalOf(extra: Partial<Metric>, answers: readonly ScriptedAnswer[]) {
  const passes = simulate(analysisRun({ metrics: [limitedMetric(extra)] }), sequence(answers), {
    maxPasses: 30,
  });
  const last = passes.at(-1)?.run;
  return {
    passes,
    status: last?.status,
    result: last === undefined ? undefined : resultOf(last, "m"),
  };
}

describe("§2.6 limits, measured end to end", () => {
  it.each([
    // [title, metric fields, answers, passes taken, final metric phase]
    ["failureLimit 3 fails on the 4th failure", { failureLimit: 3 }, [F, F, F, F, S], 4, "Failed"],
    ["by default the first Failed measurement fails the metric", {}, [F, S], 1, "Failed"],
    [
      "count 5 with 2 failures under failureLimit 2 ends Successful",
      { count: 5, failureLimit: 2 },
      [S, F, S, F, S],
      5,
      "Successful",
    ],
    [
      "an Inconclusive measurement under default limits ends Inconclusive",
      {},
      [I, S],
      1,
      "Inconclusive",
    ],
    ["errors end a metric only at the 5th in a row", {}, [E, E, E, E, E, S], 5, "Error"],
    [
      "a success between errors resets the streak",
      { count: 2 },
      [E, E, E, E, S, E, E, E, E, S],
      10,
      "Successful",
    ],
    [
      "consecutiveErrorLimit 0 ends at the first error",
      { consecutiveErrorLimit: 0 },
      [E, S],
      1,
      "Error",
    ],
    [
      "inconclusiveLimit 1 ends at the 2nd inconclusive",
      { inconclusiveLimit: 1 },
      [I, S, I],
      3,
      "Inconclusive",
    ],
    [
      "consecutiveSuccessLimit with failureLimit -1 succeeds after the streak",
      { failureLimit: -1, consecutiveSuccessLimit: 2, count: 5 },
      [F, S, F, S, S],
      5,
      "Successful",
    ],
    [
      "failureLimit -1: count reached without the streak is Failed",
      { failureLimit: -1, consecutiveSuccessLimit: 3, count: 4 },
      [S, S, F, S],
      4,
      "Failed",
    ],
    [
      "failure and success limits both applicable: count reached is Inconclusive",
      { failureLimit: 2, consecutiveSuccessLimit: 3, count: 5 },
      [S, F, S, S, F],
      5,
      "Inconclusive",
    ],
  ] as const)("%s", (_title, extra, answers, passCount, phase) => {
    const { passes, result, status } = finalOf(extra, answers);
    expect(passes).toHaveLength(passCount);
    expect(result?.phase).toBe(phase);
    expect(status?.phase).toBe(phase);
  });

  it("names the exceeded limit and the last measurement's message in the run message", () => {
    const { status } = finalOf({}, [E, E, E, E, E]);
    expect(status?.message).toBe(
      'Metric "m" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: connection refused"',
    );
    expect(status?.runSummary).toEqual({ count: 1, error: 1 });
  });

  it("a failure message without a measurement message has no suffix", () => {
    const { status } = finalOf({ failureLimit: 1 }, [F, F]);
    expect(status?.message).toBe('Metric "m" assessed Failed due to failed (2) > failureLimit (1)');
    expect(status?.runSummary).toEqual({ count: 1, failed: 1 });
  });

  it("counts a metric ended by count (not by a limit) as successful in the summary", () => {
    const { status } = finalOf({ failureLimit: 2, consecutiveSuccessLimit: 3, count: 5 }, [
      S,
      F,
      S,
      S,
      F,
    ]);
    expect(status?.phase).toBe("Inconclusive");
    expect(status?.runSummary).toEqual({ count: 1, successful: 1 });
  });
});

describe("assessMetric precedence", () => {
  const settings = metricSettings(limitedMetric({ count: 10 }), { metrics: [] });
  const terminal: MetricResult = {
    name: "m",
    phase: "Running",
    measurements: [
      { phase: "Error", startedAt: "2026-01-05T10:00:00Z", finishedAt: "2026-01-05T10:00:00Z" },
    ],
  };

  it.each([
    // when several limits are exceeded the later check wins (Open point 1)
    [{ failed: 1, consecutiveError: 5 }, "Error"],
    [{ failed: 1, inconclusive: 1 }, "Inconclusive"],
    [{ failed: 1 }, "Failed"],
    [{ failed: 0, inconclusive: 0, consecutiveError: 4, count: 3 }, "Running"],
  ] as const)("%j → %s", (fields, phase) => {
    expect(assessMetric({ ...terminal, ...fields }, settings, false)).toBe(phase);
  });

  it("keeps a terminal phase and reports Pending or Successful before any measurement", () => {
    expect(assessMetric({ ...terminal, phase: "Failed" }, settings, false)).toBe("Failed");
    expect(assessMetric(undefined, settings, false)).toBe("Pending");
    expect(assessMetric(undefined, settings, true)).toBe("Successful");
    const inFlight: MetricResult = {
      name: "m",
      phase: "Running",
      measurements: [{ phase: "Running" }],
      failed: 5,
    };
    expect(assessMetric(inFlight, settings, true)).toBe("Running");
  });

  it("counters, not retained measurements, decide", () => {
    const passes = simulate(
      analysisRun({ metrics: [limitedMetric({ count: 12 })] }),
      sequence([S]),
      { maxPasses: 30 },
    );
    const result = resultOf(passes.at(-1)?.run ?? analysisRun({ metrics: [] }), "m");
    expect(counters(result)).toMatchObject({ phase: "Successful", count: 12, successful: 12 });
    expect(result?.measurements).toHaveLength(10);
  });
});
