// A canary whose analysis step asks a real Prometheus (Debian's package, started by the test)
// about a tiny app's error rate: while the rate is low the rollout completes; when the rate
// goes up the next update is aborted by the failed analysis (issue #6, spec §3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MetricsApp,
  PrometheusServer,
} from "../../../plugins/prometheus/test/prometheus-server.js";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, startHarness, waitFor, waitForRollout } from "./harness.js";

let h: Harness;
const app = new MetricsApp();
const prometheus = new PrometheusServer();

async function prometheusSees(value: number): Promise<void> {
  await waitFor(
    `Prometheus to scrape app_error_rate=${value}`,
    async () => {
      const res = await fetch(
        `http://127.0.0.1:${prometheus.port}/api/v1/query?query=app_error_rate`,
      );
      const body = (await res.json()) as {
        data?: { result?: Array<{ value: [number, string] }> };
      };
      return Number(body.data?.result?.[0]?.value[1]) === value ? true : undefined;
    },
    async () => prometheus.recentOutput.slice(-300),
    60_000,
  );
}

beforeAll(async () => {
  app.gauges.set("app_error_rate", 0.01);
  await app.start();
  await prometheus.start({ targetPort: app.port });
  h = await startHarness();
  h.startController();
  await prometheusSees(0.01);
}, 240_000);

afterAll(async () => {
  await h?.close();
  await prometheus.stop();
  await app.stop();
});

describe("step analysis against a real Prometheus", () => {
  it("passes while the error rate is low, and aborts the update when it rises", async () => {
    await h.apply(`
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  args:
  - name: metric
  metrics:
  - name: error-rate
    interval: 1s
    count: 3
    successCondition: result[0] < 0.05
    provider:
      prometheus:
        address: http://127.0.0.1:${prometheus.port}
        query: "{{args.metric}}"
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: checkout}
spec:
  replicas: 2
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec: {containers: [{name: app, image: registry.local/checkout:v1}]}
  strategy:
    canary:
      steps:
      - setWeight: 50
      - analysis:
          templates: [{templateName: error-rate}]
          args: [{name: metric, value: app_error_rate}]
`);
    const first = await waitForRollout(h, "checkout", "Healthy", (v) => v.phase === "Healthy");
    await h.setImage("checkout", "registry.local/checkout:v2");
    const second = await waitForRollout(
      h,
      "checkout",
      "Healthy on v2",
      (v) =>
        v.phase === "Healthy" &&
        v.currentPodHash !== first.currentPodHash &&
        v.stableRS === v.currentPodHash,
      [],
      90_000,
    );
    const passed = await h.client.get(
      RESOURCES.analysisRuns,
      "default",
      `checkout-${second.currentPodHash}-2-1`,
    );
    const status = passed.status as {
      phase: string;
      metricResults: Array<{ count: number; measurements: Array<{ value: string }> }>;
    };
    expect(status.phase).toBe("Successful");
    expect(status.metricResults[0]?.count).toBe(3);
    expect(status.metricResults[0]?.measurements[0]?.value).toBe("[0.01]");

    app.gauges.set("app_error_rate", 0.5);
    await prometheusSees(0.5);
    await h.setImage("checkout", "registry.local/checkout:v3");
    const aborted = await waitForRollout(
      h,
      "checkout",
      "aborted by the analysis",
      (v) => v.aborted && v.phase === "Degraded",
      [],
      90_000,
    );
    expect(aborted.message).toContain(
      'Step-based analysis phase error/failed: Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
    );
    expect(aborted.stableRS).toBe(second.currentPodHash);
  }, 240_000);
});
