import { describe, expect, it } from "vitest";
import { EventRecorder, type EventRecorderOptions } from "./events.js";
import { KubeApiError } from "./kube-errors.js";
import type { KubeObject } from "./kube-resources.js";
import { deferred } from "./test-support.js";

/** Records writes; stores events so patches can fail with 404 like an expired Event. */
class FakeEvents {
  events = new Map<string, KubeObject>();
  calls: string[] = [];
  /** When set, every write waits for it. */
  gate: Promise<void> | undefined;

  async create(_type: unknown, obj: KubeObject): Promise<KubeObject> {
    await this.gate;
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    if (this.events.has(key)) throw new KubeApiError("exists", 409, "AlreadyExists", "exists");
    this.calls.push(`create ${obj.reason} count=${obj.count}`);
    this.events.set(key, structuredClone(obj));
    return obj;
  }

  async patch(
    _type: unknown,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): Promise<KubeObject> {
    await this.gate;
    const key = `${namespace}/${name}`;
    const current = this.events.get(key);
    if (current === undefined) throw new KubeApiError("not found", 404, "NotFound", "nf");
    const merged = { ...current, ...(patch as Record<string, unknown>) } as KubeObject;
    this.calls.push(`patch ${current.reason} count=${merged.count}`);
    this.events.set(key, merged);
    return merged;
  }

  only(): KubeObject {
    const [first] = this.events.values();
    if (first === undefined) throw new Error("no event written");
    return first;
  }
}

const rollout: KubeObject = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { namespace: "shop", name: "web", uid: "u-1", resourceVersion: "7" },
};

function recorder(api: FakeEvents, options: Partial<EventRecorderOptions> = {}): EventRecorder {
  return new EventRecorder({ client: api, instance: "pod-a", ...options });
}

describe("EventRecorder", () => {
  it("writes a core/v1 Event describing the object, reason and message", async () => {
    const api = new FakeEvents();
    const events = recorder(api);
    events.normal(rollout, "RolloutPaused", "Rollout is paused (CanaryPauseStep)");
    await events.flush();
    const event = api.only();
    expect(event).toMatchObject({
      apiVersion: "v1",
      kind: "Event",
      metadata: { namespace: "shop" },
      involvedObject: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        name: "web",
        namespace: "shop",
        uid: "u-1",
      },
      reason: "RolloutPaused",
      message: "Rollout is paused (CanaryPauseStep)",
      type: "Normal",
      count: 1,
      source: { component: "sluice-controller" },
      reportingComponent: "sluice-controller",
      reportingInstance: "pod-a",
    });
    expect(event.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(String(event.firstTimestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("aggregates repeats of the same event into a growing count", async () => {
    const api = new FakeEvents();
    const events = recorder(api);
    events.warning(rollout, "InvalidSpec", "spec.strategy must set canary or blueGreen");
    await events.flush();
    events.warning(rollout, "InvalidSpec", "spec.strategy must set canary or blueGreen");
    await events.flush();
    events.warning(rollout, "InvalidSpec", "spec.strategy must set canary or blueGreen");
    await events.flush();
    expect(api.calls).toEqual([
      "create InvalidSpec count=1",
      "patch InvalidSpec count=2",
      "patch InvalidSpec count=3",
    ]);
    expect(api.events.size).toBe(1);
    // A different message is a different event.
    events.warning(rollout, "InvalidSpec", "another problem");
    await events.flush();
    expect(api.events.size).toBe(2);
  });

  it("folds repeats that arrive while a write is pending into one write", async () => {
    const api = new FakeEvents();
    const gate = deferred();
    api.gate = gate.promise;
    const events = recorder(api, { concurrency: 1 });
    events.normal(rollout, "ScalingReplicaSet", "Scaled up web-1 to 1");
    events.normal(rollout, "RolloutUpdated", "updated to revision 2");
    for (let i = 0; i < 50; i++) events.normal(rollout, "RolloutUpdated", "updated to revision 2");
    gate.resolve();
    await events.flush();
    expect(api.calls).toEqual([
      "create ScalingReplicaSet count=1",
      "create RolloutUpdated count=51",
    ]);
  });

  it("never writes the same event twice at once, and writes what arrived meanwhile after", async () => {
    const api = new FakeEvents();
    const gate = deferred();
    api.gate = gate.promise;
    const events = recorder(api);
    events.normal(rollout, "RolloutStepCompleted", "Rollout step 1/3 completed");
    // The create is now in flight; these repeats must wait for it rather than race it.
    await new Promise((resolve) => setImmediate(resolve));
    events.normal(rollout, "RolloutStepCompleted", "Rollout step 1/3 completed");
    events.normal(rollout, "RolloutStepCompleted", "Rollout step 1/3 completed");
    gate.resolve();
    await events.flush();
    expect(api.calls).toEqual([
      "create RolloutStepCompleted count=1",
      "patch RolloutStepCompleted count=3",
    ]);
  });

  it("rate-limits per object so a hot loop cannot flood the API server", async () => {
    const api = new FakeEvents();
    const dropped: string[] = [];
    const events = recorder(api, {
      burstPerObject: 3,
      refillPerSecond: 0.001,
      onDropped: (reason) => dropped.push(reason),
    });
    for (let i = 0; i < 20; i++) {
      events.normal(rollout, "ScalingReplicaSet", `Scaled web-${i}`);
      await events.flush();
    }
    expect(api.calls).toHaveLength(3);
    expect(dropped).toHaveLength(17);
    expect(dropped[0]).toBe("rate-limited");
    // Another object has its own budget.
    events.normal(
      { ...rollout, metadata: { ...rollout.metadata, name: "api", uid: "u-2" } },
      "X",
      "y",
    );
    await events.flush();
    expect(api.calls).toHaveLength(4);
  });

  it("starts a new Event when the old one has expired", async () => {
    const api = new FakeEvents();
    const events = recorder(api);
    events.normal(rollout, "RolloutCompleted", "done");
    await events.flush();
    api.events.clear();
    events.normal(rollout, "RolloutCompleted", "done");
    await events.flush();
    expect(api.calls).toEqual([
      "create RolloutCompleted count=1",
      "create RolloutCompleted count=2",
    ]);
  });

  it("puts events about cluster-scoped objects in the default namespace", async () => {
    const api = new FakeEvents();
    const events = recorder(api);
    events.warning(
      { kind: "ClusterAnalysisTemplate", name: "success-rate", apiVersion: "argoproj.io/v1alpha1" },
      "InvalidSpec",
      "bad",
    );
    await events.flush();
    expect(api.only().metadata.namespace).toBe("default");
  });

  it("survives API failures without throwing to the caller", async () => {
    const events = new EventRecorder({
      client: {
        create: () => Promise.reject(new Error("connection refused")),
        patch: () => Promise.reject(new Error("connection refused")),
      },
    });
    expect(() => events.normal(rollout, "RolloutPaused", "paused")).not.toThrow();
    await events.flush();
  });
});
