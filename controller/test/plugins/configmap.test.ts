// The registry follows the argo-rollouts-config ConfigMap through an informer against a real
// API server (devcluster): a malformed entry gives an Event naming it while the other plugins
// keep working, and an edit takes effect without restarting anything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "../../src/plugins/host.js";
import { PLUGIN_CONFIGMAP_NAME, PluginRegistry } from "../../src/plugins/registry.js";
import { EventRecorder } from "../../src/runtime/events.js";
import { Informer } from "../../src/runtime/informer.js";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { waitFor } from "../../src/runtime/test-support.js";
import { startTestCluster, type TestCluster } from "../runtime/cluster.js";
import { MEMORY_ROUTER, RECORDING_ROUTER, silentLog } from "./support.js";

const rollout = Buffer.from(JSON.stringify({ metadata: { name: "web", namespace: "default" } }));
const config = Buffer.from(JSON.stringify({ routeName: "web" }));

describe("plugin registry from the ConfigMap", { timeout: 120_000 }, () => {
  let env: TestCluster;
  let ns: string;
  let informer: Informer;
  let recorder: EventRecorder;
  let registry: PluginRegistry;
  let host: PluginHost;

  beforeAll(async () => {
    env = await startTestCluster();
    ns = await env.namespace("plugins");
    recorder = new EventRecorder({ client: env.client, instance: "plugin-test" });
    informer = new Informer({
      client: env.client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      fieldSelector: `metadata.name=${PLUGIN_CONFIGMAP_NAME}`,
    });
    registry = new PluginRegistry({ log: silentLog, recorder, defaults: [] });
    registry.watch(informer);
    informer.start();
    await informer.waitForSync(10_000);
    host = new PluginHost({
      registry,
      log: silentLog,
      callTimeoutMs: 3_000,
      startTimeoutMs: 30_000,
      probeIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await host?.stop();
    await informer?.stop();
    await recorder?.flush();
    await env?.stop();
  });

  it("reports a malformed entry with an Event naming it and keeps the valid ones working", async () => {
    await env.client.create(RESOURCES.configMaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: PLUGIN_CONFIGMAP_NAME, namespace: ns },
      data: {
        trafficRouterPlugins: [
          "- name: example/memory-router",
          `  location: file://${MEMORY_ROUTER}`,
          "- name: acme/broken",
          "  location: ftp://nowhere",
        ].join("\n"),
      },
    });
    await waitFor(() => registry.get("trafficrouter", "example/memory-router") !== undefined, {
      timeoutMs: 30_000,
    });
    await recorder.flush();
    let seen = "";
    const event = await waitFor(
      async () => {
        const list = await env.client.list(RESOURCES.events, { namespace: ns });
        seen = JSON.stringify(list.items.map((e) => [e.reason, e.message]));
        return list.items.find((e) => e.reason === "InvalidPluginEntry");
      },
      { timeoutMs: 30_000, describe: () => seen },
    );
    expect(event).toMatchObject({
      type: "Warning",
      involvedObject: { kind: "ConfigMap", name: PLUGIN_CONFIGMAP_NAME, namespace: ns },
    });
    expect(String(event.message)).toMatch(
      /trafficRouterPlugins\[1\] \(acme\/broken\) location "ftp:\/\/nowhere" is not file:\/\/PATH/,
    );
    expect(registry.get("trafficrouter", "acme/broken")).toBeUndefined();
    const result = await host
      .routerFor("example/memory-router")
      .setWeight({ rollout, config, desiredWeight: 20 });
    expect(result).toEqual({ ok: true, value: {} });
  });

  it("picks up an edit without a restart: a new plugin becomes usable, a removed one is stopped", async () => {
    const before = await host
      .routerFor("test/late")
      .setWeight({ rollout, config, desiredWeight: 1 });
    expect(before.ok ? "" : before.error.reason).toBe("unregistered");
    const memoryPid = host.supervisor.get("trafficrouter\u0000example/memory-router")?.pid;
    expect(memoryPid).toBeDefined();

    await env.client.patch(RESOURCES.configMaps, ns, PLUGIN_CONFIGMAP_NAME, {
      data: {
        trafficRouterPlugins: [
          "- name: test/late",
          `  location: file://${RECORDING_ROUTER}`,
          '  args: ["--name", "test/late"]',
        ].join("\n"),
      },
    });
    await waitFor(() => registry.get("trafficrouter", "test/late") !== undefined, {
      timeoutMs: 30_000,
    });
    const after = await host
      .routerFor("test/late")
      .setWeight({ rollout, config, desiredWeight: 1 });
    expect(after).toEqual({ ok: true, value: {} });
    // The memory router left the registry: its process is stopped and its name is refused.
    const gone = await host
      .routerFor("example/memory-router")
      .setWeight({ rollout, config, desiredWeight: 1 });
    expect(gone.ok ? "" : gone.error.reason).toBe("unregistered");
    await waitFor(
      () => {
        try {
          process.kill(memoryPid ?? 0, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 30_000, describe: () => `pid ${memoryPid} still alive` },
    );
  });
});
