import { describe, expect, it } from "vitest";
import {
  abortScaleDownDelaySecondsOrDefault,
  resolveIntOrPercent,
  resolveSurgeAndUnavailable,
  scaleDownDelaySecondsOrDefault,
  withRolloutDefaults,
} from "./defaults.js";
import { durationSeconds, parseGoDuration } from "./duration.js";
import type { Rollout, RolloutSpec } from "./rollout.js";

describe("replica budgets (spec §1.2)", () => {
  it("reads every string as a percent of R, rounding surge up and unavailable down", () => {
    expect(resolveSurgeAndUnavailable(undefined, undefined, 10)).toEqual({
      maxSurge: 3,
      maxUnavailable: 2,
    });
    expect(resolveSurgeAndUnavailable("25", "25", 10)).toEqual({ maxSurge: 3, maxUnavailable: 2 });
    expect(resolveSurgeAndUnavailable(1, 0, 10)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(resolveIntOrPercent("33%", 3, true)).toBe(1);
    expect(resolveIntOrPercent("33%", 3, false)).toBe(0);
  });

  it("makes unavailable 1 when both resolve to 0, caps it at R, and 0 for R = 0", () => {
    expect(resolveSurgeAndUnavailable("0%", "10%", 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveSurgeAndUnavailable(1, 5, 3)).toEqual({ maxSurge: 1, maxUnavailable: 3 });
    expect(resolveSurgeAndUnavailable(1, 5, 0)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});

describe("delays that depend on traffic routing", () => {
  const spec = (canary: Record<string, unknown>): RolloutSpec =>
    ({ strategy: { canary } }) as RolloutSpec;
  it("defaults to 30 s with traffic routing, none without, and reports explicit settings", () => {
    expect(scaleDownDelaySecondsOrDefault(spec({ trafficRouting: { smi: {} } }))).toEqual({
      seconds: 30,
      explicit: false,
    });
    expect(scaleDownDelaySecondsOrDefault(spec({}))).toEqual({ seconds: 0, explicit: false });
    expect(
      abortScaleDownDelaySecondsOrDefault(
        spec({ trafficRouting: {}, abortScaleDownDelaySeconds: 0 }),
      ),
    ).toEqual({
      seconds: 0,
      explicit: true,
    });
    expect(
      scaleDownDelaySecondsOrDefault({ strategy: { blueGreen: { activeService: "a" } } }),
    ).toEqual({ seconds: 30, explicit: false });
  });
});

describe("withRolloutDefaults", () => {
  it("fills the unconditional defaults without touching the input", () => {
    const r = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "x" },
      spec: { strategy: { blueGreen: { activeService: "a" } } },
    } as Rollout;
    const d = withRolloutDefaults(r);
    expect(d.spec).toMatchObject({
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: {
        blueGreen: {
          autoPromotionEnabled: true,
          scaleDownDelaySeconds: 30,
          abortScaleDownDelaySeconds: 30,
        },
      },
    });
    expect(r.spec.revisionHistoryLimit).toBeUndefined();
  });
});

describe("durations (spec §1.3)", () => {
  it("parses Go durations and integer seconds", () => {
    expect(parseGoDuration("1h30m")).toBe(5400);
    expect(parseGoDuration("1.5s")).toBe(1.5);
    expect(parseGoDuration("500ms")).toBe(0.5);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("-2m")).toBe(-120);
    expect(parseGoDuration("10")).toBeUndefined();
    expect(parseGoDuration("5 minutes")).toBeUndefined();
    expect(durationSeconds(30)).toBe(30);
    expect(durationSeconds("45")).toBe(45);
    expect(durationSeconds("2m")).toBe(120);
    expect(durationSeconds("1500ms")).toBe(1);
    expect(durationSeconds("soon")).toBeUndefined();
  });
});
