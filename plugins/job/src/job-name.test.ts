import { describe, expect, it } from "vitest";
import { jobName, MAX_JOB_NAME, measurementNumber } from "./job-name.js";

const uid = "9d1f3e77-2b7a-4c55-8a0e-51c9a3f0d6b2";

describe("measurementNumber", () => {
  it("is count + error + 1 of the metric's result, 1 without one", () => {
    const run = {
      status: {
        metricResults: [
          { name: "other", count: 7, error: 7 },
          { name: "m", count: 3, error: 2, successful: 3 },
        ],
      },
    };
    expect(measurementNumber(run, "m")).toBe(6);
    expect(measurementNumber(run, "absent")).toBe(1);
    expect(measurementNumber({}, "m")).toBe(1);
  });
});

describe("jobName", () => {
  it("is <run UID>.<metric>.<n>", () => {
    expect(jobName(uid, "smoke", 2)).toBe(`${uid}.smoke.2`);
  });

  it("shortens the metric part to fit 63 characters, never ending it with - or .", () => {
    const name = jobName(uid, "a-very-long-metric-name-that-goes-on-and-on", 12);
    expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME);
    expect(name).toMatch(new RegExp(`^${uid}\\.a-very-long-metric-n[a-z-]*[a-z]\\.12$`));
    expect(jobName(uid, "abcdefghijklmnopqrstuvw-xyz", 1)).toBe(`${uid}.abcdefghijklmnopqrstuvw.1`);
  });
});
