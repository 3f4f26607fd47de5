// Which plugin serves a metric, with what deadline, and how measurements cross the wire
// (spec/analysis-and-providers.md §2.4, §6).
import { MeasurementPhase } from "@sluice/sdk";
import { describe, expect, it } from "vitest";
import { fromWire, measurementDeadlineMs, providerTarget, toWire } from "./provider-call.js";

describe("providerTarget", () => {
  it("maps built-in keys to the bundled plugins and plugin.<name> to that plugin", () => {
    expect(
      providerTarget({ name: "m", provider: { prometheus: { address: "http://p", query: "up" } } }),
    ).toEqual({ plugin: "sluice/prometheus", config: { address: "http://p", query: "up" } });
    expect(providerTarget({ name: "m", provider: { newRelic: { query: "q" } } })).toEqual({
      plugin: "sluice/newrelic",
      config: { query: "q" },
    });
    expect(
      providerTarget({ name: "m", provider: { plugin: { "acme/metrics": { level: 3 } } } }),
    ).toEqual({ plugin: "acme/metrics", config: { level: 3 } });
  });

  it("refuses a metric with no provider or two", () => {
    expect(providerTarget({ name: "m", provider: {} })).toEqual({
      error: 'metric "m" must name exactly one provider, found none',
    });
    expect(providerTarget({ name: "m", provider: { web: {}, job: {} } })).toEqual({
      error: 'metric "m" must name exactly one provider, found web, job',
    });
  });
});

describe("measurementDeadlineMs", () => {
  it("is the provider's own timeout plus a margin, 30 s + margin when none is declared", () => {
    expect(measurementDeadlineMs({ timeout: 60 })).toBe(65_000);
    expect(measurementDeadlineMs({ timeoutSeconds: "20" })).toBe(25_000);
    expect(measurementDeadlineMs({})).toBe(35_000);
    expect(measurementDeadlineMs({ timeout: -1 })).toBe(35_000);
  });
});

describe("measurements on the wire", () => {
  it("round-trip with second-precision times and metadata", () => {
    const m = {
      phase: "Running",
      value: "[0.5]",
      message: "waiting",
      metadata: { job: "x" },
      startedAt: "2026-01-01T00:00:00Z",
      resumeAt: "2026-01-01T00:00:10Z",
    };
    expect(fromWire(toWire(m))).toEqual(m);
  });

  it("a reply without a phase or with an unknown one is an Error measurement", () => {
    const base = { value: "", message: "", metadata: {} };
    expect(fromWire({ ...base, phase: MeasurementPhase.UNSPECIFIED })).toEqual({
      phase: "Error",
      message: "the plugin returned a measurement without a phase",
    });
    expect(fromWire({ ...base, phase: 42 as MeasurementPhase }).phase).toBe("Error");
    expect(fromWire(undefined)).toEqual({
      phase: "Error",
      message: "the plugin answered without a measurement",
    });
  });
});
