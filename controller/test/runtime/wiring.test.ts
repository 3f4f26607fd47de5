import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventRecorder } from "../../src/runtime/events.js";
import { startHttpServer } from "../../src/runtime/http-server.js";
import { enqueueObject, SharedInformers } from "../../src/runtime/informer-factory.js";
import { KubeClient, loadKubeConfig } from "../../src/runtime/kube.js";
import { RESOURCES, splitObjectKey } from "../../src/runtime/kube-resources.js";
import { LeaderElector } from "../../src/runtime/leader-election.js";
import { ControllerMetrics } from "../../src/runtime/metrics.js";
import { waitFor } from "../../src/runtime/test-support.js";
import { WorkQueue } from "../../src/runtime/work-queue.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

/**
 * The runtime pieces wired the way the controller's main wires them, around a toy
 * reconciler that copies a ConfigMap's `data.version` into an annotation. It shows that
 * informer → queue → workers → client → metrics → /readyz fit together against a real API.
 */
describe("runtime wiring against devcluster", () => {
  let env: TestCluster;

  beforeAll(async () => {
    env = await startTestCluster();
  });

  afterAll(async () => {
    await env.stop();
  });

  it("reconciles objects as they change, only while leading, and reports it", async () => {
    const ns = await env.namespace("wiring");
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const client = new KubeClient(loadKubeConfig({ kubeconfig: env.cluster.kubeconfigPath }), {
      fieldManager: "sluice-controller",
      onRequest: metrics.recordK8sRequest,
    });
    const informers = new SharedInformers({ client, namespace: ns });
    const configMaps = informers.informerFor(RESOURCES.configMaps);
    const queue = new WorkQueue({ name: "configmaps", metrics: metrics.workQueueHooks() });
    metrics.registerWorkQueue(queue);
    configMaps.addEventHandler(enqueueObject(queue));
    const events = new EventRecorder({ client, instance: "wiring-test" });
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      metrics,
      readiness: () =>
        informers.hasSynced()
          ? { ok: true }
          : { ok: false, reason: `caches not synced: ${informers.unsynced().join(", ")}` },
    });

    const reconcile = async (key: string): Promise<undefined> => {
      const started = performance.now();
      const { namespace, name } = splitObjectKey(key);
      const cached = configMaps.get(namespace, name);
      if (cached === undefined) return undefined;
      const version = String((cached.data as Record<string, string> | undefined)?.version ?? "");
      if (cached.metadata.annotations?.reconciled !== version) {
        await client.patch(RESOURCES.configMaps, namespace, name, {
          metadata: { annotations: { reconciled: version } },
        });
        events.normal(cached, "Reconciled", `copied version ${version}`);
      }
      metrics.observeRolloutReconcile(namespace, name, (performance.now() - started) / 1000);
      return undefined;
    };

    let workers: Promise<void> | undefined;
    const elector = new LeaderElector({
      client,
      namespace: ns,
      name: "sluice-controller-lock",
      identity: "wiring-a",
      leaseDurationMs: 2_000,
      renewDeadlineMs: 1_500,
      retryPeriodMs: 200,
      onStartedLeading: () => {
        workers = queue.run(2, reconcile);
      },
      onStoppedLeading: () => {
        void queue.shutDown();
      },
    });

    const readyz = async (): Promise<number> =>
      (await fetch(`http://127.0.0.1:${server.port}/readyz`)).status;
    try {
      expect(await readyz()).toBe(503);
      // The test's own writes go through another client so the counters show only ours.
      await env.client.create(RESOURCES.configMaps, {
        metadata: { namespace: ns, name: "web" },
        data: { version: "1" },
      });
      informers.start();
      await informers.waitForSync(10_000);
      expect(await readyz()).toBe(200);
      // Nothing is reconciled before this replica leads.
      expect(configMaps.get(ns, "web")?.metadata.annotations?.reconciled).toBeUndefined();
      void elector.run();

      await waitFor(() => configMaps.get(ns, "web")?.metadata.annotations?.reconciled === "1", {
        timeoutMs: 10_000,
        describe: () => JSON.stringify(configMaps.get(ns, "web")?.metadata),
      });
      await env.client.patch(RESOURCES.configMaps, ns, "web", { data: { version: "2" } });
      await waitFor(() => configMaps.get(ns, "web")?.metadata.annotations?.reconciled === "2", {
        timeoutMs: 10_000,
        describe: () => JSON.stringify(configMaps.get(ns, "web")?.metadata),
      });
      await events.flush();

      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toMatch(
        new RegExp(
          `controller_clientset_k8s_request_total\\{kind="configmaps",namespace="${ns}",verb="patch",status_code="200"\\} 2`,
        ),
      );
      expect(text).toMatch(/workqueue_adds_total\{name="configmaps"\} \d+/);
      expect(text).toContain(`rollout_reconcile_count{namespace="${ns}",name="web"}`);
      const recorded = await client.list(RESOURCES.events, { namespace: ns });
      expect(recorded.items.map((e) => e.message).sort()).toEqual([
        "copied version 1",
        "copied version 2",
      ]);
    } finally {
      await elector.stop();
      await workers;
      await informers.stop();
      await server.close();
      client.close();
    }
  });
});
