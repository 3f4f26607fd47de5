// Behaviour shared by both strategies: spec/rollout-behavior.md §1.1, §2, §3.1, §7.1, §7.2, §8
// and the "pause and say what is missing" rule of issue 4.
import { describe, expect, it } from "vitest";
import type { CanaryStrategy } from "../api/rollout.js";
import type { CanaryStep } from "../api/rollout-steps.js";
import { plan } from "./plan.js";
import {
  abort,
  bump,
  canaryRollout,
  converge,
  newCluster,
  promote,
  setImage,
  sizes,
} from "./testing/fixtures.js";
import { healthyCanary, isPaused, run, runUntil, STEPS, services } from "./testing/helpers.js";
import { observe, pass } from "./testing/simulator.js";

describe("new ReplicaSet (spec §7.1, §7.2)", () => {
  it("is named <rollout>-<hash>, owned by the Rollout, labelled, annotated and starts at 0", () => {
    const cluster = newCluster(canaryRollout(4, { ...services }, {}), ["stable", "canary"]);
    cluster.rollout.metadata.annotations = {
      team: "payments",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "rollout.argoproj.io/revision": "7",
      "notified.notifications.argoproj.io": "x",
    };
    const planned = plan(observe(cluster), cluster.now);
    const create = planned.actions.find((a) => a.kind === "createReplicaSet");
    if (create?.kind !== "createReplicaSet")
      throw new Error(`no createReplicaSet in ${JSON.stringify(planned.actions)}`);
    const rs = create.replicaSet;
    const hash = planned.status.currentPodHash ?? "";
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.ownerReferences).toEqual([
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        name: "web",
        uid: "rollout-uid",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(rs.metadata.labels).toEqual({ app: "web", "rollouts-pod-template-hash": hash });
    expect(rs.metadata.annotations).toEqual({
      team: "payments",
      "rollout.argoproj.io/revision": "1",
      "rollout.argoproj.io/desired-replicas": "4",
    });
    expect(rs.spec.replicas).toBe(0);
    expect(rs.spec.selector.matchLabels).toEqual({
      app: "web",
      "rollouts-pod-template-hash": hash,
    });
    expect(rs.spec.template.metadata?.labels).toEqual({
      app: "web",
      "rollouts-pod-template-hash": hash,
    });
    expect(planned.events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(["NewReplicaSetCreated", "RolloutUpdated"]),
    );
    const progressing = planned.status.conditions?.find((c) => c.type === "Progressing");
    expect(progressing).toMatchObject({
      status: "True",
      reason: "NewReplicaSetCreated",
      message: `Created new replica set "web-${hash}"`,
    });
    expect(planned.status.stableRS).toBe(hash);
  });

  it("raises collisionCount when the name is taken by a ReplicaSet with another template", () => {
    const cluster = newCluster(canaryRollout(2, { ...services }), ["stable", "canary"]);
    const hash = plan(observe(cluster), cluster.now).status.currentPodHash;
    cluster.replicaSets.push({
      metadata: {
        name: `web-${hash}`,
        labels: { app: "web", "rollouts-pod-template-hash": "other" },
        creationTimestamp: "2025-01-01T00:00:00Z",
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "other" } } },
      },
      status: { replicas: 0 },
    });
    const first = pass(cluster);
    expect(first.cluster.rollout.status?.collisionCount).toBe(1);
    const second = pass(first.cluster);
    const create = second.plan.actions.find((a) => a.kind === "createReplicaSet");
    expect(create?.kind === "createReplicaSet" ? create.replicaSet.metadata.name : "").not.toBe(
      `web-${hash}`,
    );
  });
});

describe("status fields (spec §2.1)", () => {
  it("reports counts, HPA fields, step hash and the generation as a string", () => {
    // Pass 0 creates RS2; then stable 10→8, canary 0→2, step done.
    const cluster = run(setImage(healthyCanary(10), "web:2"), 4);
    const status = cluster.rollout.status ?? {};
    expect(status).toMatchObject({
      replicas: 10,
      updatedReplicas: 2,
      readyReplicas: 10,
      availableReplicas: 10,
      HPAReplicas: 10,
      selector: "app=web",
      currentStepIndex: 1,
      observedGeneration: "2",
    });
    expect(status.currentStepHash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(status.currentPodHash).not.toBe(status.stableRS);
  });
});

describe("phase and conditions (spec §2.2, §2.3)", () => {
  it("a paused rollout shows Paused with the pause reason and Progressing Unknown RolloutPaused", () => {
    const cluster = runUntil(setImage(healthyCanary(10), "web:2"), isPaused);
    const status = cluster.rollout.status ?? {};
    expect(status.phase).toBe("Paused");
    expect(status.message).toBe("CanaryPauseStep");
    expect(status.controllerPause).toBe(true);
    const byType = Object.fromEntries(
      (status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(byType).toMatchObject({
      Progressing: "Unknown/RolloutPaused",
      Paused: "True/RolloutPaused",
      Completed: "False/RolloutCompleted",
      Healthy: "False/RolloutHealthy",
    });
    const resumed = pass(promote(cluster));
    expect(resumed.plan.events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(["RolloutResumed", "RolloutStepCompleted"]),
    );
    expect(resumed.cluster.rollout.status?.controllerPause).toBeUndefined();
  });

  it("spec.paused halts scaling and shows 'manually paused'", () => {
    const paused = bump(setImage(healthyCanary(10), "web:2"), (r) => {
      r.spec.paused = true;
    });
    const cluster = run(paused, 3);
    expect(sizes(cluster)).toEqual([10, 0]);
    expect(cluster.rollout.status).toMatchObject({ phase: "Paused", message: "manually paused" });
    const resumed = run(
      bump(cluster, (r) => {
        r.spec.paused = false;
      }),
      1,
    );
    expect(sizes(resumed)).toEqual([8, 0]);
  });

  it("an invalid spec gives InvalidSpec, Degraded, an event and a 20 s requeue; nothing else happens", () => {
    const cluster = newCluster(canaryRollout(3, { ...services }), ["stable"]);
    const planned = plan(observe(cluster), cluster.now);
    expect(planned.actions).toEqual([]);
    expect(planned.requeueAfterSeconds).toBe(20);
    // The wording after the field comes from validation/ (spec §8); the planner only carries it.
    const message = planned.status.conditions?.find((c) => c.type === "InvalidSpec")?.message ?? "";
    expect(message).toMatch(
      /^The Rollout "web" is invalid: spec\.strategy\.canary\.canaryService: .*"canary".* not found$/,
    );
    expect(planned.status.phase).toBe("Degraded");
    expect(planned.status.message).toBe(`InvalidSpec: ${message}`);
    expect(planned.status.conditions?.find((c) => c.type === "InvalidSpec")).toMatchObject({
      status: "True",
      reason: "InvalidSpec",
      message,
    });
    expect(planned.events).toEqual([{ type: "Warning", reason: "InvalidSpec", message }]);
  });

  it("uses the injected validator's message", () => {
    const cluster = newCluster(canaryRollout(3, { ...services }), ["stable", "canary"]);
    const planned = plan(observe(cluster), cluster.now, {
      validate: () => 'The Rollout "web" is invalid: boom',
    });
    expect(planned.status.message).toBe('InvalidSpec: The Rollout "web" is invalid: boom');
  });

  it("a fixed spec drops InvalidSpec and proceeds", () => {
    const broken = pass(newCluster(canaryRollout(3, { ...services }), ["stable"])).cluster;
    const fixed = {
      ...broken,
      services: {
        ...broken.services,
        canary: { metadata: { name: "canary" }, spec: { selector: { app: "web" } } },
      },
    };
    const healthy = converge(fixed);
    expect(healthy.rollout.status?.phase).toBe("Healthy");
    expect(healthy.rollout.status?.conditions?.some((c) => c.type === "InvalidSpec")).toBe(false);
  });

  it("writes spec.replicas = 1 back when it is absent, and does nothing else in that pass", () => {
    const cluster = newCluster(canaryRollout(3, { ...services }), ["stable", "canary"]);
    delete cluster.rollout.spec.replicas;
    const planned = plan(observe(cluster), cluster.now);
    expect(planned.actions).toEqual([{ kind: "patchRollout", specReplicas: 1 }]);
  });
});

describe("features that later issues bring: the rollout pauses and says what is missing", () => {
  it("an experiment step pauses with a message; promote skips it", () => {
    const steps: CanaryStep[] = [
      { setWeight: 50 },
      { experiment: { templates: [{ name: "canary", specRef: "canary" }] } },
      { setWeight: 80 },
    ];
    const cluster = runUntil(setImage(healthyCanary(4, { steps, ...services }), "web:2"), isPaused);
    const status = cluster.rollout.status ?? {};
    expect(status.phase).toBe("Paused");
    expect(status.message).toBe(
      "CanaryPauseStep: step 2/3 (experiment) needs Experiment support, which this build of Sluice does not have yet; promote to skip it",
    );
    const promoted = pass(promote(cluster)).cluster;
    expect(promoted.rollout.status?.currentStepIndex).toBe(2);
  });

  it("traffic routing is no longer a missing feature: the update scales and routes weight", () => {
    const canary: CanaryStrategy = { steps: STEPS, ...services, trafficRouting: { smi: {} } };
    const cluster = run(setImage(healthyCanary(4, canary), "web:2"), 3);
    expect(sizes(cluster)).toEqual([4, 1]);
    expect(cluster.rollout.status?.canary?.weights?.canary.weight).toBe(20);
    expect(cluster.rollout.status?.message).not.toContain("does not have yet");
    const aborted = run(abort(cluster), 2);
    expect(aborted.rollout.status?.phase).toBe("Degraded");
    expect(aborted.rollout.status?.canary?.weights?.canary.weight).toBe(0);
  });
});
