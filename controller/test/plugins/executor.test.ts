// The executor sends each planned router call to every router of the Rollout, in order; the
// first failure stops the plan (no status write, so the Rollout does not advance) and the
// reconciler turns it into status.message and a Warning Event.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RolloutStatus } from "../../src/api/rollout.js";
import { PluginHost } from "../../src/plugins/host.js";
import { observeRouters, RouterActionError } from "../../src/plugins/routers.js";
import { type ExecuteDeps, executePlan } from "../../src/reconcilers/rollout/execute.js";
import {
  type RolloutReconcilerDeps,
  reportRouterFailure,
} from "../../src/reconcilers/rollout/reconciler.js";
import type { Plan, RouterCall } from "../../src/rollout/plan-types.js";
import type { KubeObject } from "../../src/runtime/kube-resources.js";
import { MEMORY_ROUTER, RECORDING_ROUTER, registryOf, silentLog } from "./support.js";

interface Patch {
  name: string;
  body: unknown;
}

function fakeDeps(host: PluginHost) {
  const patches: Patch[] = [];
  const events: string[] = [];
  const client = {
    patch: async (_type: unknown, _ns: string, name: string, body: unknown) => {
      patches.push({ name, body });
      return {};
    },
  };
  const recorder = {
    event: (_o: unknown, type: string, reason: string, message: string) =>
      events.push(`${type} ${reason}: ${message}`),
    warning: (_o: unknown, reason: string, message: string) =>
      events.push(`Warning ${reason}: ${message}`),
  };
  const deps = {
    client,
    recorder,
    pods: { listByNamespace: () => [] },
    log: silentLog,
    plugins: host,
  } as unknown as ExecuteDeps;
  return { deps, patches, events };
}

function rolloutWith(
  plugins: Record<string, unknown>,
  status: RolloutStatus = {} as RolloutStatus,
): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop", uid: "r1" },
    spec: {
      strategy: { canary: { trafficRouting: { plugins, managedRoutes: [{ name: "hdr" }] } } },
    },
    status,
  };
}

const routerPlan = (calls: RouterCall[], status: RolloutStatus): Plan => ({
  actions: calls.map((call) => ({ kind: "router", call })),
  status,
  events: [],
});

describe("executor: router actions to several routers", { timeout: 120_000 }, () => {
  let dir: string;
  let host: PluginHost;
  const record = (name: string): Array<Record<string, unknown>> => {
    const text = readFileSync(join(dir, `${name}.jsonl`), "utf8");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-executor-"));
    for (const name of ["recorder", "failing"]) writeFileSync(join(dir, `${name}.jsonl`), "");
    const registry = registryOf({
      trafficRouterPlugins: `
- name: example/memory-router
  location: file://${MEMORY_ROUTER}
- name: test/recorder
  location: file://${RECORDING_ROUTER}
  args: ["--name", "test/recorder", "--record", "${join(dir, "recorder.jsonl")}"]
- name: test/failing
  location: file://${RECORDING_ROUTER}
  args: ["--name", "test/failing", "--record", "${join(dir, "failing.jsonl")}", "--fail", "setWeight"]
`,
    });
    host = new PluginHost({
      registry,
      log: silentLog,
      callTimeoutMs: 3_000,
      startTimeoutMs: 30_000,
      probeIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends every call to both routers in order, then both verify the weight", async () => {
    const status = { phase: "Progressing" } as RolloutStatus;
    const raw = rolloutWith(
      { "test/recorder": {}, "example/memory-router": { routeName: "web" } },
      status,
    );
    const { deps, patches } = fakeDeps(host);
    const calls: RouterCall[] = [
      { method: "removeManagedRoutes" },
      { method: "updateHash", canaryHash: "c1", stableHash: "s1" },
      { method: "setWeight", weight: 30 },
      {
        method: "setHeaderRoute",
        step: { name: "hdr", match: [{ headerName: "X-Canary", headerValue: { exact: "yes" } }] },
      },
      { method: "verifyWeight", weight: 30 },
    ];
    await executePlan(deps, raw, status, routerPlan(calls, status));
    expect(patches).toEqual([]); // status unchanged: nothing to write
    expect(record("recorder")).toEqual([
      { plugin: "test/recorder", method: "removeManagedRoutes" },
      { plugin: "test/recorder", method: "updateHash", canaryHash: "c1", stableHash: "s1" },
      { plugin: "test/recorder", method: "setWeight", desiredWeight: 30, config: {} },
      {
        plugin: "test/recorder",
        method: "setHeaderRoute",
        route: {
          name: "hdr",
          match: [
            { headerName: "X-Canary", headerValue: { match: { $case: "exact", value: "yes" } } },
          ],
        },
      },
      { plugin: "test/recorder", method: "verifyWeight", desiredWeight: 30 },
    ]);
    // The memory router got the same weight: both verify it from observation.
    const observed = rolloutWith(
      { "test/recorder": {}, "example/memory-router": { routeName: "web" } },
      {
        canary: { weights: { canary: { weight: 30 }, stable: { weight: 70 } } },
      } as unknown as RolloutStatus,
    );
    expect(await observeRouters(host, observed)).toEqual({ verified: true });
    // A weight the memory router was never given: its "not verified" is not overwritten by
    // the recorder's later "verified" (spec/traffic-routers.md §3).
    const other = rolloutWith(
      { "test/recorder": {}, "example/memory-router": { routeName: "web" } },
      {
        canary: { weights: { canary: { weight: 70 }, stable: { weight: 30 } } },
      } as unknown as RolloutStatus,
    );
    expect(await observeRouters(host, other)).toEqual({ verified: false });
  });

  it("stops at the first failing router: no later router, no status write, a message naming the plugin", async () => {
    const before = record("recorder").length;
    const observedStatus = { phase: "Progressing", currentStepIndex: 0 } as RolloutStatus;
    const next = { phase: "Progressing", currentStepIndex: 1 } as RolloutStatus;
    // Order: example/memory-router, test/failing, test/recorder (plugins by name).
    const raw = rolloutWith(
      { "test/recorder": {}, "test/failing": {}, "example/memory-router": { routeName: "web" } },
      observedStatus,
    );
    const { deps, patches, events } = fakeDeps(host);
    const error = await executePlan(
      deps,
      raw,
      observedStatus,
      routerPlan([{ method: "setWeight", weight: 60 }], next),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RouterActionError);
    expect(String((error as Error).message)).toBe(
      "plugin test/failing: SetWeight failed: setWeight refused by the test",
    );
    expect(patches).toEqual([]); // the step index did not advance
    expect(record("failing").map((r) => r.method)).toEqual(["setWeight"]);
    expect(record("recorder").length).toBe(before); // later router not called in this pass
    // The earlier router did take the weight (no compensation, as in the original).
    const sixty = rolloutWith({ "example/memory-router": { routeName: "web" } }, {
      canary: { weights: { canary: { weight: 60 } } },
    } as unknown as RolloutStatus);
    expect(await observeRouters(host, sixty)).toEqual({ verified: true });

    // The reconciler reports it in status.message and a Warning Event.
    await reportRouterFailure(
      deps as unknown as RolloutReconcilerDeps,
      raw,
      error as RouterActionError,
      silentLog,
    );
    expect(patches).toEqual([
      {
        name: "web",
        body: {
          status: {
            message:
              "TrafficRoutingError: plugin test/failing: SetWeight failed: setWeight refused by the test",
          },
        },
      },
    ]);
    expect(events).toEqual([
      "Warning TrafficRoutingError: plugin test/failing: SetWeight failed: setWeight refused by the test",
    ]);
  });

  it("reports a router that is down as not verified, naming it", async () => {
    const raw = rolloutWith(
      { "nobody/missing": {}, "example/memory-router": { routeName: "web" } },
      {
        canary: { weights: { canary: { weight: 60 } } },
      } as unknown as RolloutStatus,
    );
    const observation = await observeRouters(host, raw);
    expect(observation?.verified).toBe(false);
    expect(observation?.error).toMatch(
      /^plugin nobody\/missing: VerifyWeight failed: no traffic router plugin named "nobody\/missing"/,
    );
  });
});
