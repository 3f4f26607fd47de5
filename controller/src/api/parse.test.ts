import { describe, expect, it } from "vitest";
import {
  describeParseErrors,
  parseAnalysisRun,
  parseExperiment,
  parseRollout,
  pointerToPath,
} from "./parse.js";

const minimal = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "default" },
  spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }] } } },
};

describe("parseRollout", () => {
  it("accepts a minimal Rollout and returns it unchanged", () => {
    expect(parseRollout(minimal)).toEqual({ ok: true, value: minimal });
  });

  it("points at the offending field with a dotted path", () => {
    const bad = structuredClone(minimal) as Record<string, unknown> & typeof minimal;
    (bad.spec.strategy.canary.steps[0] as Record<string, unknown>).setWeight = "twenty";
    const result = parseRollout(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(["spec.strategy.canary.steps[0].setWeight"]);
    expect(describeParseErrors("Rollout", bad, result.errors)).toMatch(
      /^invalid Rollout default\/web: spec\.strategy\.canary\.steps\[0\]\.setWeight: /,
    );
  });

  it("rejects other kinds, other API versions and non-objects", () => {
    const r = parseRollout({ ...minimal, apiVersion: "apps/v1", kind: "Deployment" });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["apiVersion", "kind"]);
    expect(parseRollout("web").ok).toBe(false);
    expect(parseRollout(null).ok).toBe(false);
  });

  it("requires a strategy object", () => {
    const r = parseRollout({ ...minimal, spec: {} });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["spec.strategy"]);
  });

  it("drops nulls as the API server does, but keeps the pod spec as written", () => {
    const withNulls = {
      ...minimal,
      metadata: { ...minimal.metadata, creationTimestamp: null },
      spec: {
        ...minimal.spec,
        replicas: null,
        template: {
          metadata: { creationTimestamp: null, labels: { app: "web" } },
          spec: { containers: [{ name: "c", resources: null }] },
        },
      },
      status: { currentStepIndex: null, canary: { weights: null } },
    };
    const r = parseRollout(withNulls);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.metadata).toEqual({ name: "web", namespace: "default" });
    expect("replicas" in r.value.spec).toBe(false);
    expect(r.value.spec.template).toEqual({
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "c", resources: null }] },
    });
    expect(r.value.status).toEqual({ canary: {} });
    expect(withNulls.spec.replicas).toBeNull();
    const clean = parseRollout(minimal);
    expect(clean.ok && clean.value).toBe(minimal);
  });

  it("accepts int-or-string fields in both forms and rejects other types", () => {
    const ok = structuredClone(minimal) as Record<string, unknown> & typeof minimal;
    Object.assign(ok.spec.strategy.canary, { maxSurge: "25%", maxUnavailable: 1 });
    expect(parseRollout(ok).ok).toBe(true);
    Object.assign(ok.spec.strategy.canary, { maxSurge: true });
    expect(parseRollout(ok).ok).toBe(false);
  });

  it("rejects malformed timestamps in typed fields", () => {
    const r = parseRollout({ ...minimal, spec: { ...minimal.spec, restartAt: "yesterday" } });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["spec.restartAt"]);
  });
});

describe("other kinds", () => {
  it("parses an AnalysisRun with status and rejects a metric without provider", () => {
    const run = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "r" },
      spec: { metrics: [{ name: "m", count: "3", provider: { prometheus: { query: "up" } } }] },
      status: {
        phase: "Running",
        metricResults: [
          { name: "m", phase: "Running", measurements: [{ phase: "Successful", value: "1" }] },
        ],
        runSummary: { count: 1 },
      },
    };
    expect(parseAnalysisRun(run).ok).toBe(true);
    const noProvider = { ...run, spec: { metrics: [{ name: "m" }] } };
    const r = parseAnalysisRun(noProvider);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["spec.metrics[0].provider"]);
  });

  it("requires experiment templates to have a selector", () => {
    const exp = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Experiment",
      metadata: { name: "e" },
      spec: { templates: [{ name: "a", template: { metadata: { labels: { a: "b" } } } }] },
    };
    const r = parseExperiment(exp);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["spec.templates[0].selector"]);
  });
});

describe("pointerToPath", () => {
  it("renders JSON pointers as dotted paths", () => {
    expect(pointerToPath("/spec/steps/0/setWeight")).toBe("spec.steps[0].setWeight");
    expect(pointerToPath("/metadata/annotations/a~1b")).toBe("metadata.annotations.a/b");
    expect(pointerToPath("")).toBe("(root)");
  });
});
