// Table tests: one row per check of spec/rollout-behavior.md §8 and traffic-routers.md §1.2.
import { describe, expect, it } from "vitest";
import type { Rollout } from "../api/rollout.js";
import { validateRollout, validateRolloutAll } from "./rollout.js";
import { formatFieldError, invalidSpecMessage } from "./types.js";

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
};

function canary(extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: structuredClone(template),
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }], ...extra } },
      ...spec,
    },
  } as Rollout;
}

function blueGreen(
  extra: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: structuredClone(template),
      strategy: { blueGreen: { activeService: "active", previewService: "preview", ...extra } },
      ...spec,
    },
  } as Rollout;
}

const services = { canaryService: "web-canary", stableService: "web-stable" };

type Row = [name: string, rollout: Rollout, field: string, message: string];

const rows: Row[] = [
  // spec-level
  [
    "negative replicas",
    canary({}, { replicas: -1 }),
    "spec.replicas",
    "must be greater than or equal to 0",
  ],
  [
    "missing selector",
    canary({}, { selector: undefined }),
    "spec.selector",
    "Rollout has missing field '.spec.selector'",
  ],
  [
    "empty selector",
    canary({}, { selector: {} }),
    "spec.selector",
    "empty selector is invalid for deployment",
  ],
  [
    "template with workloadRef",
    canary({}, { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" } }),
    "spec.template",
    "template must be empty for workload reference rollout",
  ],
  [
    "unsupported workload kind",
    canary(
      {},
      {
        template: undefined,
        workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "d" },
      },
    ),
    "spec.workloadRef.kind",
    "workload of type StatefulSet is not supported",
  ],
  [
    "selector not matching template",
    canary({}, { selector: { matchLabels: { app: "other" } } }),
    "spec.template.metadata.labels",
    "`selector` does not match template `labels`",
  ],
  [
    "template without containers",
    canary({}, { template: { metadata: { labels: { app: "web" } }, spec: {} } }),
    "spec.template.spec.containers",
    "",
  ],
  [
    "container without image",
    canary(
      {},
      {
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web" }] } },
      },
    ),
    "spec.template.spec.containers[0].image",
    "",
  ],
  [
    "restartPolicy other than Always",
    canary({}, { template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } }),
    "spec.template.spec.restartPolicy",
    'supported values: "Always"',
  ],
  [
    "negative minReadySeconds",
    canary({}, { minReadySeconds: -1 }),
    "spec.minReadySeconds",
    "must be greater than or equal to 0",
  ],
  [
    "negative revisionHistoryLimit",
    canary({}, { revisionHistoryLimit: -2 }),
    "spec.revisionHistoryLimit",
    "must be greater than or equal to 0",
  ],
  [
    "negative progressDeadlineSeconds",
    canary({}, { progressDeadlineSeconds: -5 }),
    "spec.progressDeadlineSeconds",
    "must be greater than or equal to 0",
  ],
  [
    "deadline not above minReadySeconds",
    canary({}, { minReadySeconds: 600 }),
    "spec.progressDeadlineSeconds",
    "progressDeadlineSeconds must be greater than minReadySeconds",
  ],
  // strategy
  [
    "no strategy",
    canary({}, { strategy: {} }),
    "spec.strategy",
    "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
  ],
  [
    "both strategies",
    canary({}, { strategy: { canary: {}, blueGreen: { activeService: "a" } } }),
    "spec.strategy",
    "Multiple Strategies can not be listed",
  ],
  // blue-green
  [
    "active equals preview",
    blueGreen({ previewService: "active" }),
    "spec.strategy.blueGreen.activeService",
    "This rollout uses the same service for the active and preview services, but two different services are required.",
  ],
  [
    "scaleDownDelayRevisionLimit above history",
    blueGreen({ scaleDownDelayRevisionLimit: 3 }, { revisionHistoryLimit: 2 }),
    "spec.strategy.blueGreen.scaleDownDelayRevisionLimit",
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit",
  ],
  [
    "blue-green anti-affinity with both kinds",
    blueGreen({
      antiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 },
        requiredDuringSchedulingIgnoredDuringExecution: {},
      },
    }),
    "spec.strategy.blueGreen.antiAffinity",
    "AntiAffinity must have exactly one strategy listed",
  ],
];

describe("validateRollout (spec §8)", () => {
  it("accepts the valid base objects", () => {
    expect(validateRollout(canary())).toBeUndefined();
    expect(validateRollout(blueGreen())).toBeUndefined();
    expect(
      validateRollout(
        canary({ ...services, trafficRouting: { smi: {} }, dynamicStableScale: true }),
      ),
    ).toBeUndefined();
  });

  it.each(rows)("%s", (_name, rollout, field, message) => {
    expect(validateRollout(rollout)).toMatchObject({ field, message });
  });

  it("reports the first error only, and all of them on request", () => {
    const rollout = canary({ steps: [{ setWeight: 150 }, {}] }, { replicas: -1 });
    expect(validateRollout(rollout)?.field).toBe("spec.replicas");
    expect(validateRolloutAll(rollout).map((e) => e.field)).toEqual([
      "spec.replicas",
      "spec.strategy.canary.steps[0].setWeight",
      "spec.strategy.canary.steps[1]",
    ]);
  });

  it("renders the InvalidSpec condition message the way the original does", () => {
    const error = validateRollout(canary({ steps: [{ setWeight: 150 }] }));
    if (error === undefined) throw new Error("expected an error");
    expect(invalidSpecMessage("web", error)).toBe(
      'The Rollout "web" is invalid: spec.strategy.canary.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100',
    );
    const missing = validateRollout(canary({}, { strategy: {} }));
    if (missing === undefined) throw new Error("expected an error");
    expect(formatFieldError(missing)).toBe(
      "spec.strategy: Required value: Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
    );
  });

  it("accepts metadata fieldRefs the Downward API supports, and Go durations", () => {
    const rollout = canary({
      steps: [
        { pause: { duration: "1h30m" } },
        { pause: { duration: "45" } },
        {
          analysis: {
            templates: [{ templateName: "t" }],
            args: [
              { name: "a", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: "b", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "c", valueFrom: { fieldRef: { fieldPath: "spec.replicas" } } },
            ],
          },
        },
      ],
    });
    expect(validateRollout(rollout)).toBeUndefined();
  });

  it("validates the referenced workload's template instead of spec.template", () => {
    const rollout = canary(
      {},
      {
        template: undefined,
        selector: undefined,
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
      },
    );
    expect(validateRollout(rollout, {})).toBeUndefined();
    expect(
      validateRollout(rollout, {
        workload: { selector: { matchLabels: { app: "x" } }, template: structuredClone(template) },
      }),
    ).toMatchObject({ field: "spec.template.metadata.labels" });
  });
});
