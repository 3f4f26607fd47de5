import { describe, expect, it } from "vitest";
import { formatDurationMs, parseGoDuration } from "./duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["300ms", 300],
    ["0", 0],
    ["-1s", -1000],
  ])("%s = %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });
  it("rejects what Go rejects, with Go's message", () => {
    expect(parseGoDuration("5x")).toEqual(new Error('time: invalid duration "5x"'));
    expect(parseGoDuration("10")).toEqual(new Error('time: missing unit in duration "10"'));
    expect(parseGoDuration("")).toEqual(new Error('time: invalid duration ""'));
  });
});

describe("formatDurationMs", () => {
  it("writes durations back for messages", () => {
    expect(formatDurationMs(10_000)).toBe("10s");
    expect(formatDurationMs(90_000)).toBe("1m30s");
    expect(formatDurationMs(1_500)).toBe("1.5s");
    expect(formatDurationMs(3_600_000)).toBe("1h");
  });
});
