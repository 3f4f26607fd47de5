import { describe, expect, it } from "vitest";
import { lintObject } from "./lint.js";

const rollout = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx" }] },
    },
    strategy: { canary: { steps: [{ setWeight: 150 }, { pause: { duration: "-1s" } }] } },
  },
};

describe("lintObject", () => {
  it("lists every spec §8 problem of a Rollout", () => {
    expect(lintObject(rollout)).toEqual({
      kind: "Rollout",
      name: "web",
      problems: [
        "spec.strategy.canary.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100",
        "spec.strategy.canary.steps[1].pause.duration: Invalid value: -1: Duration needs to be greater than 0",
      ],
    });
  });

  it("reports schema errors of other kinds and ignores foreign objects", () => {
    const template = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "t" },
      spec: { metrics: [{ name: 3 }] },
    };
    expect(lintObject(template)?.problems).toEqual([
      "invalid AnalysisTemplate t: spec.metrics[0].provider: Expected required property; spec.metrics[0].name: Expected string",
    ]);
    expect(
      lintObject({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }),
    ).toBeUndefined();
    expect(lintObject("nonsense")).toBeUndefined();
  });
});
