import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHttpServer, startHttpServer } from "./http-server.js";
import { ControllerMetrics, type RolloutMetricsInfo } from "./metrics.js";
import { escapeLabelValue } from "./metrics-text.js";

function fleet(count: number): RolloutMetricsInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: "fleet",
    name: `app-${i}`,
    strategy: "canary",
    trafficRouter: "",
    phase: "Healthy",
    legacyPhase: "Completed",
    replicas: { desired: 2, available: 2, unavailable: 0, updated: 2 },
  }));
}

const linesStarting = (text: string, prefix: string): string[] =>
  text.split("\n").filter((l) => l.startsWith(prefix));

describe("metrics text for per-object series", () => {
  it("escapes label values the way the text format requires", async () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.setRolloutSource(() => [{ ...(fleet(1)[0] as RolloutMetricsInfo), name: 'we"ird' }]);
    metrics.observeRolloutReconcile("shop", 'we"ird', 0.2);
    const text = await metrics.render();
    expect(text).toContain('rollout_info{namespace="fleet",name="we\\"ird",');
    expect(text).toContain('rollout_reconcile_count{namespace="shop",name="we\\"ird"} 1');
  });

  it("keeps each gauge family together, with one header, for every Rollout", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.setRolloutSource(() => fleet(1200));
    const text = await metrics.render();
    expect(linesStarting(text, "# TYPE rollout_info gauge")).toHaveLength(1);
    expect(linesStarting(text, "rollout_info{")).toHaveLength(1200);
    expect(linesStarting(text, "rollout_phase{")).toHaveLength(1200 * 7);
    expect(linesStarting(text, "rollout_info_replicas_desired{")).toHaveLength(1200);
    // A family's lines are contiguous: between its first and last line there is no other.
    const all = text.split("\n");
    const first = all.findIndex((l) => l.startsWith("rollout_phase{"));
    const last = all.findLastIndex((l) => l.startsWith("rollout_phase{"));
    expect(last - first + 1).toBe(1200 * 7);
  });

  it("counts reconcile durations into cumulative buckets and forgets deleted objects", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.observeRolloutReconcile("shop", "web", 0.005);
    metrics.observeRolloutReconcile("shop", "web", 0.07);
    metrics.observeRolloutReconcile("shop", "web", 3);
    metrics.observeRolloutReconcile("shop", "api", 0.02);
    let text = await metrics.render();
    expect(text).toContain('rollout_reconcile_bucket{le="0.01",namespace="shop",name="web"} 1');
    expect(text).toContain('rollout_reconcile_bucket{le="0.1",namespace="shop",name="web"} 2');
    expect(text).toContain('rollout_reconcile_bucket{le="1",namespace="shop",name="web"} 2');
    expect(text).toContain('rollout_reconcile_bucket{le="+Inf",namespace="shop",name="web"} 3');
    expect(text).toContain('rollout_reconcile_sum{namespace="shop",name="web"} 3.075');
    metrics.forgetObject("Rollout", "shop", "web");
    text = await metrics.render();
    expect(text).not.toContain('name="web"');
    expect(text).toContain('rollout_reconcile_count{namespace="shop",name="api"} 1');
  });

  it("times API requests by verb, leaving out watches that stay open by design", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const base = { kind: "rollouts", namespace: "shop", statusCode: "200" };
    metrics.recordK8sRequest({ ...base, verb: "patch", durationSeconds: 0.04 });
    metrics.recordK8sRequest({ ...base, verb: "patch", durationSeconds: 0.3 });
    metrics.recordK8sRequest({ ...base, verb: "watch", durationSeconds: 300 });
    const text = await metrics.render();
    const name = "controller_clientset_k8s_request_duration_seconds";
    expect(text).toContain(`${name}_bucket{le="0.05",verb="patch"} 1`);
    expect(text).toContain(`${name}_count{verb="patch"} 2`);
    expect(text).not.toContain('verb="watch"}');
  });

  it("lets other work run while a large scrape is produced", async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const rollouts = fleet(1500);
    metrics.setRolloutSource(() => rollouts);
    for (const r of rollouts) metrics.observeRolloutReconcile(r.namespace, r.name, 0.01);
    let ranDuringScrape = false;
    let scrapeDone = false;
    setImmediate(() => {
      ranDuringScrape = !scrapeDone;
    });
    await metrics.render();
    scrapeDone = true;
    expect(ranDuringScrape).toBe(true);
  });
});

describe("/metrics streamed in chunks", () => {
  let server: RunningHttpServer;
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const rollouts = fleet(1500);

  beforeAll(async () => {
    metrics.setRolloutSource(() => rollouts);
    for (const r of rollouts) metrics.observeRolloutReconcile(r.namespace, r.name, 0.03);
    server = await startHttpServer({ port: 0, host: "127.0.0.1", metrics });
  });

  afterAll(async () => {
    await server.close();
  });

  it("serves the same text as render, complete", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const served = await res.text();
    expect(linesStarting(served, "rollout_reconcile_count{")).toHaveLength(1500);
    expect(served).toBe(await metrics.render());
  });
});
