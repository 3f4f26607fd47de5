import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./rate-limit.js";

describe("retryDelayMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("honours Retry-After in seconds or as a date", () => {
    expect(retryDelayMs({ "retry-after": "2" }, 0, now)).toBe(2000);
    expect(retryDelayMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, 0, now)).toBe(3000);
  });
  it("honours X-RateLimit-Reset, seconds until the window resets", () => {
    expect(retryDelayMs({ "x-ratelimit-reset": "1" }, 0, now)).toBe(1000);
  });
  it("backs off exponentially without a hint, up to 8 s", () => {
    expect([0, 1, 2, 3, 10].map((attempt) => retryDelayMs({}, attempt, now))).toEqual([
      250, 500, 1000, 2000, 8000,
    ]);
  });
});
