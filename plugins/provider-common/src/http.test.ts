import { describe, expect, it } from "vitest";
import { basicAuthHeader, describeUrl, measurementDeadline } from "./http.js";

describe("measurementDeadline", () => {
  const now = 1_000_000;
  it("is the configured timeout without a call deadline", () => {
    expect(measurementDeadline(10_000, undefined, now)).toEqual({
      deadline: now + 10_000,
      timeoutMs: 10_000,
    });
  });
  it("ends 250 ms before the controller's call deadline when that comes first", () => {
    expect(measurementDeadline(30_000, new Date(now + 5_000), now)).toEqual({
      deadline: now + 4_750,
      timeoutMs: 4_750,
    });
  });
  it("keeps the configured timeout when the call deadline is later", () => {
    expect(measurementDeadline(1_000, new Date(now + 5_000), now)).toEqual({
      deadline: now + 1_000,
      timeoutMs: 1_000,
    });
  });
});

describe("request helpers", () => {
  it("leaves query strings and user info out of URLs in messages", () => {
    expect(describeUrl(new URL("https://user:pw@api.example:8443/v1/q?api_key=secret"))).toBe(
      "https://api.example:8443/v1/q",
    );
  });
  it("builds a basic auth header", () => {
    expect(basicAuthHeader("user", "pass")).toBe("Basic dXNlcjpwYXNz");
  });
});
