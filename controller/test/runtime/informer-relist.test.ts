import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Informer, type ListWatchClient } from "../../src/runtime/informer.js";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { deferred, waitFor } from "../../src/runtime/test-support.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

describe("Informer re-list on 410 Gone against devcluster", () => {
  let env: TestCluster;

  beforeAll(async () => {
    // A tiny watch history, so a watcher that falls a few changes behind gets 410 Gone.
    env = await startTestCluster({ watchHistorySize: 5 });
  });

  afterAll(async () => {
    await env.stop();
  });

  it("catches up through a fresh list when its resourceVersion has expired", async () => {
    const ns = await env.namespace("relist");
    const configMap = (name: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: ns, name },
      data: { v: "1" },
    });
    await env.client.create(RESOURCES.configMaps, configMap("stays"));
    await env.client.create(RESOURCES.configMaps, configMap("goes"));

    // The second watch (after the server ends the first) is held back until the test has
    // made more changes than the server remembers.
    const gate = deferred();
    let watchCalls = 0;
    const watchErrors: string[] = [];
    const client: ListWatchClient = {
      list: (type, options) => env.client.list(type, options),
      watch: async (type, options, onEvent, signal) => {
        watchCalls++;
        if (watchCalls === 2) await gate.promise;
        try {
          await env.client.watch(type, options, onEvent, signal);
        } catch (error) {
          watchErrors.push(String(error));
          throw error;
        }
      },
    };
    const seen: string[] = [];
    const informer = new Informer({
      client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      watchTimeoutSeconds: 1,
      backoff: { initialMs: 10, maxMs: 100 },
    });
    informer.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (o, n) => {
        if (o !== n) seen.push(`update ${n.metadata.name}`);
      },
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    informer.start();
    try {
      await informer.waitForSync(10_000);
      await waitFor(() => watchCalls === 2, { timeoutMs: 10_000, describe: () => `${watchCalls}` });
      seen.length = 0;
      await env.client.delete(RESOURCES.configMaps, ns, "goes");
      await env.client.patch(RESOURCES.configMaps, ns, "stays", { data: { v: "2" } });
      for (let i = 0; i < 8; i++)
        await env.client.create(RESOURCES.configMaps, configMap(`new-${i}`));
      gate.resolve();
      await waitFor(() => informer.listCount === 2 && informer.size === 9, {
        timeoutMs: 10_000,
        describe: () =>
          `lists=${informer.listCount} size=${informer.size} errors=${watchErrors.join(";")}`,
      });
      expect(watchErrors.some((e) => e.includes("410"))).toBe(true);
      expect(informer.get(ns, "goes")).toBeUndefined();
      expect(informer.get(ns, "stays")?.data).toEqual({ v: "2" });
      expect(seen).toContain("delete goes");
      expect(seen).toContain("update stays");
      expect(seen.filter((s) => s.startsWith("add new-"))).toHaveLength(8);
    } finally {
      await informer.stop();
    }
  });
});
