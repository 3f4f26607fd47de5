// Cross-cutting behaviour over a rollout's life: spec/rollout-behavior.md §1.5, §3.1 step 6,
// §4.10, §7.3, §7.4, §7.6, §7.7, §7.8, §7.9.
import { describe, expect, it } from "vitest";
import type { CanaryStrategy } from "../api/rollout.js";
import { plan } from "./plan.js";
import {
  blueGreenRollout,
  bump,
  canaryRollout,
  converge,
  newCluster,
  promote,
  selectorOf,
  setImage,
  sizes,
} from "./testing/fixtures.js";
import { healthyCanary, run, STEPS, services } from "./testing/helpers.js";
import { advance, type Cluster, observe, pass } from "./testing/simulator.js";

describe("progress deadline (spec §7.6)", () => {
  it("no progress for progressDeadlineSeconds ⇒ ProgressDeadlineExceeded, Degraded; progressDeadlineAbort aborts", () => {
    const canary: CanaryStrategy = { steps: [{ setWeight: 50 }], ...services };
    let cluster = setImage(
      healthyCanary(2, canary, { progressDeadlineSeconds: 60, progressDeadlineAbort: true }),
      "web:2",
    );
    const stuck = (rs: Cluster["replicaSets"][number]) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === cluster.rollout.status?.stableRS
        ? (rs.spec?.replicas ?? 0)
        : 0;
    for (let i = 0; i < 4; i++) cluster = pass(cluster, { availability: stuck }).cluster;
    expect(cluster.rollout.status?.phase).toBe("Progressing");
    // Stuck pods send no watch events: the plan itself asks to look again at the deadline.
    const waiting =
      pass(cluster, { availability: stuck }).plan.requeueAfterSeconds ?? Number.POSITIVE_INFINITY;
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(61);
    const timedOut = pass(advance(cluster, 61), { availability: stuck });
    expect(timedOut.cluster.rollout.status?.phase).toBe("Degraded");
    expect(timedOut.cluster.rollout.status?.message).toMatch(
      /^ProgressDeadlineExceeded: ReplicaSet "web-.*" has timed out progressing\.$/,
    );
    expect(timedOut.plan.events.map((e) => e.reason)).toContain("ProgressDeadlineExceeded");
    expect(timedOut.cluster.rollout.status?.abort).toBe(true);
    const aborted = run(timedOut.cluster, 3);
    expect(aborted.rollout.status?.message).toMatch(/^RolloutAborted: /);
    expect(sizes(aborted)).toEqual([2, 0]);
  });
});

describe("HPA (spec §3.1 step 6, §7.4)", () => {
  it("a new spec.replicas re-derives the counts without completing steps", () => {
    let cluster = run(setImage(healthyCanary(10), "web:2"), 4);
    expect(sizes(cluster)).toEqual([8, 2]);
    cluster = bump(cluster, (r) => {
      r.spec.replicas = 20;
    });
    const scaled = pass(cluster);
    expect(scaled.cluster.rollout.status?.currentStepIndex).toBe(1);
    cluster = run(scaled.cluster, 4);
    expect(sizes(cluster)).toEqual([16, 4]);
    expect(cluster.rollout.status?.HPAReplicas).toBe(20);
  });
});

describe("restart (spec §7.7)", () => {
  it("evicts pods created before restartAt within the budget, then records restartedAt", () => {
    const cluster = bump(healthyCanary(4, { ...services }), (r) => {
      r.spec.restartAt = "2026-01-01T00:10:00Z";
    });
    const hash = cluster.rollout.status?.currentPodHash ?? "";
    const pods = [0, 1, 2, 3].map((i) => ({
      metadata: {
        name: `web-${i}`,
        labels: { "rollouts-pod-template-hash": hash },
        creationTimestamp: "2026-01-01T00:00:00Z",
      },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    }));
    const early = plan({ ...observe(cluster), pods }, cluster.now);
    expect(early.actions).toEqual([]);
    expect(early.requeueAfterSeconds).toBe(600);
    const later = advance(cluster, 600);
    const planned = plan({ ...observe(later), pods }, later.now);
    // Budget: available 4 − (max(4, 4) − max(maxUnavailable 1, 1)) = 1.
    expect(planned.actions).toEqual([{ kind: "evictPod", name: "web-0" }]);
    expect(planned.status.phase).toBe("Progressing");
    expect(planned.status.message).toBe("rollout is restarting");
    // The next pass comes before the ReplicaSet status shows the eviction: the evicted pod is
    // going away, so the budget is spent and nothing more is evicted.
    const evicting = pods.map((pod, i) =>
      i === 0
        ? { ...pod, metadata: { ...pod.metadata, deletionTimestamp: "2026-01-01T00:10:00Z" } }
        : pod,
    );
    expect(plan({ ...observe(later), pods: evicting }, later.now).actions).toEqual([]);
    const fresh = pods.map((pod) => ({
      ...pod,
      metadata: { ...pod.metadata, creationTimestamp: "2026-01-01T00:11:00Z" },
    }));
    const done = plan({ ...observe(later), pods: fresh }, later.now);
    expect(done.status.restartedAt).toBe("2026-01-01T00:10:00Z");
    expect(done.status.phase).toBe("Healthy");
  });
});

describe("ephemeral metadata (spec §7.9) and anti-affinity (§7.8)", () => {
  it("labels the canary and stable sides, moves stable metadata to the new RS once promoted", () => {
    const canary: CanaryStrategy = {
      ...services,
      steps: [{ setWeight: 50 }, { pause: {} }],
      canaryMetadata: { labels: { role: "canary" } },
      stableMetadata: { labels: { role: "stable" } },
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } },
    };
    let cluster = healthyCanary(2, canary);
    expect(cluster.replicaSets[0]?.spec?.template?.metadata?.labels?.role).toBe("stable");
    const stableHash = cluster.rollout.status?.stableRS;
    const created = pass(setImage(cluster, "web:2"));
    cluster = created.cluster;
    const rs2 = cluster.replicaSets[1];
    expect(rs2?.spec?.template?.metadata?.labels?.role).toBe("canary");
    expect(rs2?.metadata?.annotations?.["rollout.argoproj.io/ephemeral-metadata"]).toBe(
      '{"annotations":{},"labels":{"role":"canary"}}',
    );
    expect(((rs2?.spec?.template?.spec ?? {}) as { affinity?: unknown }).affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 50,
            podAffinityTerm: {
              labelSelector: {
                matchExpressions: [
                  { key: "rollouts-pod-template-hash", operator: "In", values: [stableHash] },
                ],
              },
              namespaces: ["default"],
              topologyKey: "kubernetes.io/hostname",
            },
          },
        ],
      },
    });
    cluster = converge(promote(run(cluster, 5)));
    expect(cluster.rollout.status?.phase).toBe("Healthy");
    const promoted = cluster.replicaSets[1];
    expect(promoted?.spec?.template?.metadata?.labels?.role).toBe("stable");
    expect(cluster.replicaSets[0]?.spec?.template?.metadata?.labels?.role).toBeUndefined();
  });

  it("patches running pods in place when an RS's ephemeral metadata changes", () => {
    const cluster = healthyCanary(2, {
      ...services,
      stableMetadata: { annotations: { tier: "gold" } },
    });
    const changed = bump(cluster, (r) => {
      if (r.spec.strategy.canary !== undefined)
        r.spec.strategy.canary.stableMetadata = { annotations: { tier: "silver" } };
    });
    const planned = plan(observe(changed), changed.now);
    expect(planned.actions).toContainEqual({
      kind: "patchPodMetadata",
      podTemplateHash: cluster.rollout.status?.currentPodHash,
      labels: {},
      annotations: { tier: "silver" },
    });
  });
});

describe("revision history (spec §7.3)", () => {
  it("keeps revisionHistoryLimit old ReplicaSets and deletes the oldest scaled-down ones", () => {
    let cluster = healthyCanary(1, { ...services }, { revisionHistoryLimit: 1 });
    for (let i = 2; i <= 4; i++) cluster = converge(setImage(cluster, `web:${i}`));
    expect(
      cluster.replicaSets.map((rs) => rs.metadata?.annotations?.["rollout.argoproj.io/revision"]),
    ).toEqual(["3", "4"]);
  });
});

describe("rollback (spec §4.10)", () => {
  it("rollbackWindow (blue-green): going back to the previous, still scaled RS is fast-tracked", () => {
    const strategy = { activeService: "active", autoPromotionEnabled: false };
    let cluster = converge(
      newCluster(blueGreenRollout(3, strategy, { rollbackWindow: { revisions: 2 } }), ["active"]),
    );
    cluster = converge(promote(converge(setImage(cluster, "web:2"))));
    expect(cluster.rollout.status?.phase).toBe("Healthy");
    expect(sizes(cluster)).toEqual([3, 3]);
    const back = converge(setImage(cluster, "web:1"));
    // No BlueGreenPause: the rollback within the window switches the active Service at once.
    expect(back.rollout.status?.phase).toBe("Healthy");
    expect(selectorOf(back, "active")).toBe(back.rollout.status?.currentPodHash);
    expect(back.replicaSets[0]?.metadata?.annotations?.["rollout.argoproj.io/revision"]).toBe("3");
  });

  it("canary: the window needs the target RS to still have pods (spec §11), else the steps run", () => {
    let cluster = healthyCanary(
      4,
      { steps: STEPS, ...services },
      { rollbackWindow: { revisions: 2 } },
    );
    cluster = converge(promote(converge(promote(converge(setImage(cluster, "web:2"))))));
    expect(cluster.rollout.status?.phase).toBe("Healthy");
    expect(sizes(cluster)).toEqual([0, 4]);
    const back = pass(setImage(cluster, "web:1"));
    expect(back.cluster.rollout.status?.currentStepIndex).toBe(0);
  });
});

describe("workloadRef (spec §1.5)", () => {
  it("uses the referenced template and records its generation", () => {
    const rollout = canaryRollout(2, { ...services });
    const template = rollout.spec.template;
    delete rollout.spec.template;
    rollout.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
    const cluster = newCluster(rollout, ["stable", "canary"]);
    const planned = plan(
      {
        ...observe(cluster),
        workload: {
          kind: "Deployment",
          name: "web",
          generation: 3,
          ...(template === undefined ? {} : { template }),
        },
      },
      cluster.now,
    );
    expect(planned.actions).toContainEqual({
      kind: "patchRollout",
      annotations: { "rollout.argoproj.io/workload-generation": "3" },
    });
    expect(planned.status.workloadObservedGeneration).toBe("3");
    expect(planned.actions.some((a) => a.kind === "createReplicaSet")).toBe(true);
  });
});

describe("workloadRef scaleDown (spec §1.5)", () => {
  function withWorkload(cluster: Cluster, mode: string, deploymentReplicas: number) {
    const observed = observe(cluster);
    const template = canaryRollout(2, { ...services }).spec.template;
    return {
      ...observed,
      workload: {
        kind: "Deployment",
        name: "web",
        generation: 1,
        replicas: deploymentReplicas,
        ...(template === undefined ? {} : { template }),
      },
      rollout: {
        ...observed.rollout,
        spec: {
          ...observed.rollout.spec,
          template: undefined,
          workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web", scaleDown: mode },
        },
      },
    };
  }

  it("progressively shrinks the Deployment as revision 1 becomes ready, onsuccess waits for Healthy", () => {
    const cluster = newCluster(canaryRollout(2, { ...services }), ["stable", "canary"]);
    const scaled = pass(pass(cluster).cluster).cluster;
    const partly = {
      ...scaled,
      replicaSets: scaled.replicaSets.map((rs) => ({
        ...rs,
        status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
      })),
    };
    const progressive = plan(withWorkload(partly, "progressively", 2), partly.now);
    expect(progressive.actions).toContainEqual({ kind: "scaleWorkload", name: "web", replicas: 1 });
    const onSuccessEarly = plan(withWorkload(partly, "onsuccess", 2), partly.now);
    expect(onSuccessEarly.actions.some((a) => a.kind === "scaleWorkload")).toBe(false);
    const healthy = converge(cluster);
    const onSuccess = plan(withWorkload(healthy, "onsuccess", 2), healthy.now);
    expect(onSuccess.actions).toContainEqual({ kind: "scaleWorkload", name: "web", replicas: 0 });
  });
});
