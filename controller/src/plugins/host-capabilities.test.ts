// The host skips GarbageCollect for a metric provider whose Init declared no
// CAPABILITY_GARBAGE_COLLECT, and VerifyWeight for a router without CAPABILITY_VERIFY_WEIGHT
// (common.proto allows both), and calls them for plugins that declared them.
import {
  type PluginServerHandle,
  serveMetricProvider,
  serveTrafficRouter,
  WeightVerification,
} from "@sluice/sdk";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "./host.js";
import { PluginRegistry } from "./registry.js";

const silent = pino({ level: "silent" });
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A host with the plugins (name → address) registered under `key`; every call noted in `calls`. */
function hostFor(
  key: "metricProviderPlugins" | "trafficRouterPlugins",
  plugins: Record<string, string | undefined>,
  calls: string[],
): PluginHost {
  const registry = new PluginRegistry({ log: silent, defaults: [] });
  registry.applyConfigMap({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "argo-rollouts-config", namespace: "argo-rollouts", resourceVersion: "1" },
    data: {
      [key]: Object.entries(plugins)
        .map(([name, address]) => `- name: ${name}\n  location: ${address}`)
        .join("\n"),
    },
  });
  return new PluginHost({
    registry,
    log: silent,
    probeIntervalMs: 0,
    metrics: { observePluginCall: (plugin, method) => calls.push(`${plugin} ${method}`) },
  });
}

describe("PluginHost and plugin capabilities", { timeout: 60_000 }, () => {
  const collected: number[] = [];
  /** "plugin method" of every call the host made (its metrics hook sees each one). */
  const calls: string[] = [];
  const servers: PluginServerHandle[] = [];
  let host: PluginHost;

  beforeAll(async () => {
    const run = () => ({ phase: 2 as const, value: "1" });
    servers.push(
      await serveMetricProvider(
        {
          name: "test/collects",
          version: "1",
          run,
          garbageCollect: ({ limit }) => {
            collected.push(limit);
          },
        },
        { listen: "127.0.0.1:0", logger: silent },
      ),
      await serveMetricProvider(
        { name: "test/nothing-to-collect", version: "1", run },
        { listen: "127.0.0.1:0", logger: silent },
      ),
    );
    host = hostFor(
      "metricProviderPlugins",
      { "test/collects": servers[0]?.address, "test/nothing-to-collect": servers[1]?.address },
      calls,
    );
  });

  afterAll(async () => {
    await host.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  const request = { analysisRun: json({}), metric: json({ name: "m" }), config: json({}) };

  it("calls GarbageCollect of a plugin that declares it", async () => {
    const answer = await host
      .metricProviderFor("test/collects")
      .garbageCollect({ ...request, limit: 7 });
    expect(answer).toEqual({ ok: true, value: {} });
    expect(collected).toEqual([7]);
    expect(calls).toContain("test/collects GarbageCollect");
  });

  it("answers success without a call for a plugin that does not declare it", async () => {
    const provider = host.metricProviderFor("test/nothing-to-collect");
    // The plugin still serves measurements: the skip is for GarbageCollect only.
    const measured = await provider.run(request);
    expect(measured.ok && measured.value.measurement?.value).toBe("1");
    const answer = await provider.garbageCollect({ ...request, limit: 3 });
    expect(answer).toEqual({ ok: true, value: {} });
    expect(calls).toContain("test/nothing-to-collect Run");
    expect(calls).not.toContain("test/nothing-to-collect GarbageCollect");
  });

  it("builds a request given as a function only for a call it makes", async () => {
    let built = 0;
    const lazily = (limit: number) => () => {
      built++;
      return { ...request, limit };
    };
    const skipped = await host
      .metricProviderFor("test/nothing-to-collect")
      .garbageCollect(lazily(4));
    expect(skipped).toEqual({ ok: true, value: {} });
    expect(built).toBe(0);
    const made = await host.metricProviderFor("test/collects").garbageCollect(lazily(5));
    expect(made).toEqual({ ok: true, value: {} });
    expect(built).toBe(1);
    expect(collected).toContain(5);
  });
});

describe("PluginHost and router capabilities", { timeout: 60_000 }, () => {
  const calls: string[] = [];
  const servers: PluginServerHandle[] = [];
  let host: PluginHost;

  beforeAll(async () => {
    const setWeight = () => {};
    servers.push(
      await serveTrafficRouter(
        {
          name: "test/verifies",
          version: "1",
          setWeight,
          verifyWeight: ({ desiredWeight }) =>
            desiredWeight === 30 ? WeightVerification.VERIFIED : WeightVerification.NOT_VERIFIED,
        },
        { listen: "127.0.0.1:0", logger: silent },
      ),
      await serveTrafficRouter(
        { name: "test/cannot-verify", version: "1", setWeight },
        { listen: "127.0.0.1:0", logger: silent },
      ),
    );
    host = hostFor(
      "trafficRouterPlugins",
      { "test/verifies": servers[0]?.address, "test/cannot-verify": servers[1]?.address },
      calls,
    );
  });

  afterAll(async () => {
    await host.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  const request = (desiredWeight: number) => ({
    rollout: json({ metadata: { name: "web", namespace: "shop" } }),
    config: json({}),
    desiredWeight,
    additionalDestinations: [],
  });

  it("asks a router that verifies, and takes its answer", async () => {
    const router = host.routerFor("test/verifies");
    expect(await router.verifyWeight(request(30))).toEqual({
      ok: true,
      value: expect.objectContaining({ verification: WeightVerification.VERIFIED }),
    });
    expect(await router.verifyWeight(request(50))).toEqual({
      ok: true,
      value: expect.objectContaining({ verification: WeightVerification.NOT_VERIFIED }),
    });
    expect(calls.filter((c) => c === "test/verifies VerifyWeight")).toHaveLength(2);
  });

  it("answers NOT_IMPLEMENTED without a call for a router that cannot verify", async () => {
    const router = host.routerFor("test/cannot-verify");
    expect(await router.setWeight(request(30))).toMatchObject({ ok: true });
    expect(await router.verifyWeight(request(30))).toEqual({
      ok: true,
      value: { verification: WeightVerification.NOT_IMPLEMENTED },
    });
    expect(calls).toContain("test/cannot-verify SetWeight");
    expect(calls).not.toContain("test/cannot-verify VerifyWeight");
  });
});
