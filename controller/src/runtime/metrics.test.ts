import { describe, expect, it } from "vitest";
import { ControllerMetrics } from "./metrics.js";
import { analysisRunMetricsInfo, rolloutMetricsInfo } from "./metrics-info.js";
import { WorkQueue } from "./work-queue.js";

function line(text: string, prefix: string): string | undefined {
  return text.split("\n").find((l) => l.startsWith(prefix));
}

const canaryRollout = {
  metadata: { namespace: "shop", name: "web" },
  spec: {
    replicas: 4,
    strategy: { canary: { trafficRouting: { nginx: {}, plugins: { "acme/router": {} } } } },
  },
  status: { phase: "Paused", replicas: 5, availableReplicas: 3, updatedReplicas: 1 },
};

describe("ControllerMetrics", () => {
  it("publishes rollout_info and replica gauges from the current objects at scrape time", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    let rollouts: unknown[] = [canaryRollout];
    metrics.setRolloutSource(() => rollouts.map(rolloutMetricsInfo));
    let text = await metrics.render();
    expect(line(text, "rollout_info{")).toBe(
      'rollout_info{namespace="shop",name="web",strategy="canary",traffic_router="acme/router,nginx",phase="Paused"} 1',
    );
    expect(line(text, "rollout_info_replicas_desired{")).toContain("} 4");
    expect(line(text, "rollout_info_replicas_available{")).toContain("} 3");
    expect(line(text, "rollout_info_replicas_unavailable{")).toContain("} 2");
    expect(line(text, "rollout_info_replicas_updated{")).toContain("} 1");
    expect(text).toContain(
      'rollout_phase{namespace="shop",name="web",strategy="canary",phase="Paused"} 1',
    );
    expect(text).toContain(
      'rollout_phase{namespace="shop",name="web",strategy="canary",phase="Completed"} 0',
    );
    // The Rollout is deleted: its series go away on the next scrape.
    rollouts = [];
    text = await metrics.render();
    expect(line(text, "rollout_info{")).toBeUndefined();
  });

  it("derives the legacy phase from conditions the way dashboards expect", () => {
    const invalid = rolloutMetricsInfo({
      metadata: { name: "a" },
      status: {
        phase: "Degraded",
        conditions: [{ type: "InvalidSpec", status: "True", reason: "InvalidSpec" }],
      },
    });
    expect(invalid.legacyPhase).toBe("InvalidSpec");
    const aborted = rolloutMetricsInfo({ metadata: { name: "a" }, status: { abort: true } });
    expect(aborted.legacyPhase).toBe("Abort");
    const timedOut = rolloutMetricsInfo({
      metadata: { name: "a" },
      status: {
        phase: "Degraded",
        conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }],
      },
    });
    expect(timedOut.legacyPhase).toBe("Timeout");
    // Garbage in: defaults out, never a throw.
    const garbage = rolloutMetricsInfo("not an object");
    expect(garbage).toMatchObject({
      strategy: "none",
      phase: "Progressing",
      legacyPhase: "Progressing",
    });
    expect(garbage.replicas.desired).toBe(1);
  });

  it("records reconcile durations and errors with the original's names", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.observeRolloutReconcile("shop", "web", 0.02);
    metrics.observeRolloutReconcile("shop", "web", 0.3);
    metrics.rolloutReconcileFailed("shop", "web");
    metrics.observeAnalysisRunReconcile("shop", "web-1", 0.001);
    const text = await metrics.render();
    expect(text).toContain('rollout_reconcile_bucket{le="0.15",namespace="shop",name="web"} 1');
    expect(text).toContain('rollout_reconcile_bucket{le="0.5",namespace="shop",name="web"} 2');
    expect(text).toContain('rollout_reconcile_count{namespace="shop",name="web"} 2');
    expect(text).toContain('rollout_reconcile_error{namespace="shop",name="web"} 1');
    expect(text).toContain('analysis_run_reconcile_count{namespace="shop",name="web-1"} 1');
  });

  it("can keep reconcile histograms to one series for very large fleets", async () => {
    const metrics = new ControllerMetrics({
      defaultMetrics: false,
      perObjectReconcileLabels: false,
    });
    metrics.observeRolloutReconcile("shop", "web", 0.02);
    metrics.observeRolloutReconcile("shop", "api", 0.02);
    const text = await metrics.render();
    expect(text).toContain("rollout_reconcile_count 2");
  });

  it("counts API requests by kind, verb and status", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const record = {
      kind: "replicasets",
      namespace: "shop",
      verb: "create",
      durationSeconds: 0.01,
    };
    metrics.recordK8sRequest({ ...record, statusCode: "201" });
    metrics.recordK8sRequest({ ...record, statusCode: "201" });
    metrics.recordK8sRequest({ ...record, statusCode: "409" });
    const text = await metrics.render();
    expect(text).toContain(
      'controller_clientset_k8s_request_total{kind="replicasets",namespace="shop",verb="create",status_code="201"} 2',
    );
    expect(text).toContain('status_code="409"} 1');
  });

  it("publishes work-queue depth, adds and stuck-worker time", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const queue = new WorkQueue({ name: "rollouts", metrics: metrics.workQueueHooks() });
    metrics.registerWorkQueue(queue);
    queue.add("a");
    queue.add("b");
    let text = await metrics.render();
    expect(text).toContain('workqueue_depth{name="rollouts"} 2');
    expect(text).toContain('workqueue_adds_total{name="rollouts"} 2');
    const key = await queue.get();
    text = await metrics.render();
    expect(text).toContain('workqueue_depth{name="rollouts"} 1');
    expect(
      line(text, 'workqueue_longest_running_processor_seconds{name="rollouts"}'),
    ).toBeDefined();
    queue.done(key ?? "");
    await queue.shutDown();
  });

  it("records plugin calls, errors and latency by plugin and method", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.observePluginCall("argoproj-labs/nginx", "SetWeight", 0.004);
    metrics.observePluginCall("argoproj-labs/nginx", "SetWeight", 2, "deadline");
    const text = await metrics.render();
    expect(text).toContain('plugin_calls_total{plugin="argoproj-labs/nginx",method="SetWeight"} 2');
    expect(text).toContain(
      'plugin_call_errors_total{plugin="argoproj-labs/nginx",method="SetWeight",reason="deadline"} 1',
    );
    expect(text).toContain(
      'plugin_call_duration_seconds_bucket{le="0.005",plugin="argoproj-labs/nginx",method="SetWeight"} 1',
    );
  });

  it("publishes analysis runs with per-metric phases", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const run = {
      metadata: { namespace: "shop", name: "web-1" },
      spec: { metrics: [{ name: "success-rate", provider: { prometheus: {} } }] },
      status: { phase: "Running", metricResults: [{ name: "success-rate", phase: "Running" }] },
    };
    metrics.setAnalysisRunSource(() => [analysisRunMetricsInfo(run)]);
    const text = await metrics.render();
    expect(text).toContain('analysis_run_info{namespace="shop",name="web-1",phase="Running"} 1');
    expect(text).toContain(
      'analysis_run_metric_phase{namespace="shop",name="web-1",metric="success-rate",type="prometheus",phase="Running"} 1',
    );
  });

  it("includes process metrics by default", async () => {
    const metrics = new ControllerMetrics();
    const text = await metrics.render();
    expect(text).toContain("process_resident_memory_bytes");
  });
});
