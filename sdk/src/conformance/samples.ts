// Realistic inputs the kit sends: objects shaped as the controller sends them (the
// argoproj.io/v1alpha1 JSON, status included), so a plugin that reads them gets what it
// would read in production.
import { toJsonBytes } from "../request.js";

export const sampleRollout = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: {
    name: "conformance-web",
    namespace: "conformance",
    uid: "0b9e6a52-5f0e-4d7c-9d2f-3c6f1c1e2a10",
    generation: 3,
  },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
    },
    strategy: {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        trafficRouting: {
          managedRoutes: [{ name: "conformance-header" }, { name: "conformance-mirror" }],
        },
        steps: [{ setWeight: 30 }, { pause: {} }],
      },
    },
  },
  status: {
    currentPodHash: "7c9f5d6b8",
    stableRS: "5f6d4c7b9",
    canary: {
      weights: {
        canary: { weight: 0, podTemplateHash: "7c9f5d6b8", serviceName: "web-canary" },
        stable: { weight: 100, podTemplateHash: "5f6d4c7b9", serviceName: "web-stable" },
      },
    },
  },
};

export function sampleMetric(pluginName: string, config: unknown): Record<string, unknown> {
  return {
    name: "conformance-metric",
    interval: "10s",
    count: 3,
    successCondition: "result[0] >= 0.9",
    provider: { plugin: { [pluginName]: config } },
  };
}

export const sampleAnalysisRun = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "AnalysisRun",
  metadata: {
    name: "conformance-web-7c9f5d6b8-2",
    namespace: "conformance",
    uid: "9d1f3e77-2b7a-4c55-8a0e-51c9a3f0d6b2",
  },
  spec: { metrics: [] as unknown[], args: [{ name: "service", value: "web-canary" }] },
  status: { phase: "Running", startedAt: "2026-01-05T10:00:00Z" },
};

export const malformedJson = Buffer.from('{"metadata": {"name": ', "utf8");
export const emptyBytes = Buffer.alloc(0);
export { toJsonBytes };

/** The configuration with one extra field no plugin should accept silently. */
export function withUnknownField(config: unknown): unknown {
  const base =
    typeof config === "object" && config !== null && !Array.isArray(config) ? config : {};
  return { ...base, sluiceConformanceUnknownField: true };
}
