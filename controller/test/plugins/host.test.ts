import { MeasurementPhase, WeightVerification } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "../../src/plugins/host.js";
import { ControllerMetrics } from "../../src/runtime/metrics.js";
import { waitFor } from "../../src/runtime/test-support.js";
import {
  CONSTANT_METRIC,
  MEMORY_ROUTER,
  RECORDING_ROUTER,
  registryOf,
  silentLog,
} from "./support.js";

const rollout = Buffer.from(JSON.stringify({ metadata: { name: "web", namespace: "default" } }));
const config = Buffer.from(JSON.stringify({ routeName: "web" }));

describe("PluginHost", { timeout: 120_000 }, () => {
  const problems: string[] = [];
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  let host: PluginHost;

  beforeAll(() => {
    const registry = registryOf({
      trafficRouterPlugins: `
- name: example/memory-router
  location: file://${MEMORY_ROUTER}
- name: acme/impostor
  location: file://${MEMORY_ROUTER}
- name: test/hang
  location: file://${RECORDING_ROUTER}
  args: ["--name", "test/hang", "--hang", "setWeight"]
`,
      metricProviderPlugins: `
- name: example/constant-metric
  location: file://${CONSTANT_METRIC}
`,
    });
    host = new PluginHost({
      registry,
      log: silentLog,
      metrics,
      callTimeoutMs: 1_500,
      startTimeoutMs: 30_000,
      probeIntervalMs: 0,
      supervisor: { initialBackoffMs: 100 },
      onPluginProblem: (plugin, reason, message) =>
        problems.push(`${reason} ${plugin}: ${message}`),
    });
  });
  afterAll(async () => {
    await host.stop();
  });

  it("starts a registered router on first use, calls Init, and answers calls; metrics count them", async () => {
    const router = host.routerFor("example/memory-router");
    expect(await router.setWeight({ rollout, config, desiredWeight: 30 })).toEqual({
      ok: true,
      value: {},
    });
    const verify = await router.verifyWeight({ rollout, config, desiredWeight: 30 });
    expect(verify).toEqual({ ok: true, value: { verification: WeightVerification.VERIFIED } });
    const text = await metrics.render();
    expect(text).toMatch(
      /plugin_calls_total\{[^}]*plugin="example\/memory-router"[^}]*method="SetWeight"[^}]*\} 1/,
    );
    expect(text).toMatch(
      /plugin_calls_total\{[^}]*plugin="example\/memory-router"[^}]*method="Init"[^}]*\} 1/,
    );
  });

  it("returns a plugin's domain error as a value naming the plugin and the call", async () => {
    const result = await host
      .routerFor("example/memory-router")
      .setWeight({ rollout, config: Buffer.from("{}"), desiredWeight: 5 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({
        plugin: "example/memory-router",
        method: "SetWeight",
        reason: "domain",
      });
      expect(result.error.message).toMatch(/routeName/);
    }
  });

  it("serves metric providers from the same host", async () => {
    const result = await host.metricProviderFor("example/constant-metric").run({
      analysisRun: Buffer.from("{}"),
      metric: Buffer.from("{}"),
      config: Buffer.from(JSON.stringify({ value: "0.97" })),
    });
    expect(result.ok && result.value.measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(result.ok && result.value.measurement?.value).toBe("0.97");
  });

  it("refuses a plugin whose Init name differs from its registration, and reports it", async () => {
    const result = await host
      .routerFor("acme/impostor")
      .setWeight({ rollout, config, desiredWeight: 30 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe("refused");
      expect(result.error.message).toMatch(
        /says it is "example\/memory-router" but is registered as "acme\/impostor"/,
      );
    }
    expect(problems).toContainEqual(
      expect.stringMatching(/^PluginRefused acme\/impostor: plugin acme\/impostor: refused/),
    );
    // Refused for every later call too, without a new Init for the same process.
    const again = await host.routerFor("acme/impostor").removeManagedRoutes({ rollout, config });
    expect(again.ok ? "" : again.error.reason).toBe("refused");
  });

  it("says plainly when a name is not registered", async () => {
    const result = await host
      .routerFor("nobody/here")
      .setWeight({ rollout, config, desiredWeight: 1 });
    expect(result.ok ? "" : result.error.message).toMatch(
      /no traffic router plugin named "nobody\/here" is registered: add it under trafficRouterPlugins/,
    );
  });

  it("fires the deadline on a plugin that never answers while other calls keep working", async () => {
    const hang = host.routerFor("test/hang");
    // Warm up (start + Init) so the deadline measured below is the call's own.
    expect((await hang.updateHash({ rollout, config, canaryHash: "a", stableHash: "b" })).ok).toBe(
      true,
    );
    const t0 = Date.now();
    const pending = hang.setWeight({ rollout, config, desiredWeight: 50 });
    // While it hangs, the same plugin and another plugin answer at once.
    const other = await host
      .routerFor("example/memory-router")
      .setWeight({ rollout, config, desiredWeight: 40 });
    const same = await hang.removeManagedRoutes({ rollout, config });
    expect(other.ok).toBe(true);
    expect(same.ok).toBe(true);
    const result = await pending;
    const elapsed = Date.now() - t0;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({
        plugin: "test/hang",
        method: "SetWeight",
        reason: "transport",
        retryable: true,
      });
      expect(result.error.message).toMatch(/no answer within the 1500 ms deadline/);
    }
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    // The deadline, not the plugin, ends the call (with slack for a loaded machine).
    expect(elapsed).toBeLessThan(4_500);
  });

  it("re-initialises a restarted child and serves again", async () => {
    const proc = host.supervisor.get("trafficrouter\u0000example/memory-router");
    const pid = proc?.pid;
    if (proc === undefined || pid === undefined) throw new Error("memory router not running");
    const generation = proc.generation;
    process.kill(pid, "SIGKILL");
    const router = host.routerFor("example/memory-router");
    let last = "";
    await waitFor(
      async () => {
        const r = await router.setWeight({ rollout, config, desiredWeight: 10 });
        last = r.ok ? "ok" : r.error.message;
        return r.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, describe: () => last },
    );
    expect(proc.generation).toBe(generation + 1);
    // A fresh process: it remembers only what it was told after the restart.
    const verify = await router.verifyWeight({ rollout, config, desiredWeight: 40 });
    expect(verify.ok && verify.value.verification).toBe(WeightVerification.NOT_VERIFIED);
  });
});

describe("PluginHost health probes", { timeout: 120_000 }, () => {
  it("restarts a child that stops answering its health service", async () => {
    const registry = registryOf({
      trafficRouterPlugins: `- {name: example/memory-router, location: "file://${MEMORY_ROUTER}"}`,
    });
    const host = new PluginHost({
      registry,
      log: silentLog,
      callTimeoutMs: 2_000,
      startTimeoutMs: 30_000,
      probeIntervalMs: 300,
      probeFailures: 2,
      supervisor: { initialBackoffMs: 100 },
    });
    try {
      const router = host.routerFor("example/memory-router");
      expect((await router.setWeight({ rollout, config, desiredWeight: 5 })).ok).toBe(true);
      const proc = host.supervisor.get("trafficrouter\u0000example/memory-router");
      const pid = proc?.pid;
      if (proc === undefined || pid === undefined) throw new Error("memory router not running");
      // A frozen process keeps its socket but never answers: only the probe can tell.
      process.kill(pid, "SIGSTOP");
      await waitFor(() => proc.restarts === 1 && proc.pid !== undefined && proc.pid !== pid, {
        timeoutMs: 30_000,
        describe: () => `restarts=${proc.restarts} pid=${proc.pid}`,
      });
      let last = "";
      await waitFor(
        async () => {
          const r = await router.setWeight({ rollout, config, desiredWeight: 6 });
          last = r.ok ? "ok" : r.error.message;
          return r.ok;
        },
        { timeoutMs: 30_000, intervalMs: 100, describe: () => last },
      );
    } finally {
      await host.stop();
    }
  });
});
