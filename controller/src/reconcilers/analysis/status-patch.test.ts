// The status write of an AnalysisRun pass (spec §2.1 step 6): only what changed, removals as
// null, arrays whole; and the same patch the generic merge-patch builder computes.
import { describe, expect, it } from "vitest";
import { sameJsonValue } from "../../analysis/same-json.js";
import { createMergePatch } from "../merge-patch.js";
import { statusMergePatch } from "./status-patch.js";

const measurement = (second: number, phase = "Successful") => ({
  phase,
  value: "true",
  startedAt: `2026-01-05T10:00:${String(second).padStart(2, "0")}Z`,
  finishedAt: `2026-01-05T10:00:${String(second).padStart(2, "0")}Z`,
});

const running = {
  phase: "Running",
  startedAt: "2026-01-05T10:00:00Z",
  metricResults: [
    {
      name: "ok",
      phase: "Running",
      count: 2,
      successful: 2,
      consecutiveSuccess: 2,
      measurements: [measurement(0), measurement(1)],
    },
  ],
  runSummary: { count: 1 },
  dryRunSummary: {},
};

describe("statusMergePatch", () => {
  it("writes the new measurement list and counters, nothing unchanged", () => {
    const [result] = running.metricResults;
    const after = {
      ...running,
      metricResults: [
        {
          ...result,
          count: 3,
          successful: 3,
          consecutiveSuccess: 3,
          measurements: [measurement(0), measurement(1), measurement(2)],
        },
      ],
    };
    // metricResults is an array: a merge patch replaces it whole.
    expect(statusMergePatch(running, after)).toEqual({ metricResults: after.metricResults });
  });

  it("is undefined when nothing changed, whatever the key order or undefined members", () => {
    const reordered = {
      dryRunSummary: {},
      runSummary: { count: 1, failed: undefined },
      metricResults: running.metricResults,
      startedAt: running.startedAt,
      phase: "Running",
      message: undefined,
    };
    expect(statusMergePatch(running, reordered)).toBeUndefined();
  });

  it("removes members that are gone with null and adds new ones", () => {
    const before = { ...running, message: "old" };
    const after = {
      ...running,
      phase: "Successful",
      completedAt: "2026-01-05T10:01:00Z",
      runSummary: { count: 1, successful: 1 },
    };
    expect(statusMergePatch(before, after)).toEqual({
      phase: "Successful",
      message: null,
      completedAt: "2026-01-05T10:01:00Z",
      runSummary: { successful: 1 },
    });
    expect(statusMergePatch(undefined, { phase: "Running" })).toEqual({ phase: "Running" });
  });

  it("computes the generic merge patch for every step of a run's life", () => {
    // A run through ten passes: a measurement each, retention trimming, an error, completion.
    let before: Record<string, unknown> | undefined;
    const steps: Record<string, unknown>[] = [];
    for (let pass = 0; pass < 14; pass++) {
      const measurements = Array.from({ length: Math.min(pass + 1, 10) }, (_, i) =>
        measurement(Math.max(0, pass - 9) + i, pass === 5 && i === 5 ? "Error" : "Successful"),
      );
      steps.push({
        phase: pass === 13 ? "Successful" : "Running",
        message: pass === 5 ? "an error" : undefined,
        startedAt: "2026-01-05T10:00:00Z",
        completedAt: pass === 13 ? "2026-01-05T10:00:14Z" : undefined,
        metricResults: [{ name: "ok", phase: "Running", count: pass + 1, measurements }],
        runSummary: pass === 13 ? { count: 1, successful: 1 } : { count: 1 },
        dryRunSummary: {},
      });
    }
    for (const after of steps) {
      const expected = createMergePatch(before ?? {}, after);
      expect(JSON.parse(JSON.stringify(statusMergePatch(before, after) ?? null))).toEqual(
        expected ?? null,
      );
      before = after;
    }
  });
});

describe("sameJsonValue", () => {
  it("compares as JSON: undefined members absent, array order significant", () => {
    expect(sameJsonValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJsonValue([1, 2], [2, 1])).toBe(false);
    expect(sameJsonValue({ a: [1] }, { a: [1], b: 0 })).toBe(false);
    expect(sameJsonValue("1", 1)).toBe(false);
  });
});
