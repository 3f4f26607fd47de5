// Invariants of the planner under random rollouts and random user actions (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CanaryStep } from "../api/rollout-steps.js";
import { plan } from "./plan.js";
import { resolveFenceposts } from "./replica-math.js";
import {
  abort,
  blueGreenRollout,
  canaryRollout,
  converge,
  newCluster,
  promote,
  promoteFull,
  retry,
  setImage,
} from "./testing/fixtures.js";
import {
  type Availability,
  advance,
  applyPlan,
  type Cluster,
  observe,
  settle,
} from "./testing/simulator.js";

const intOrPercent = fc.oneof(
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 0, max: 60 }).map((p) => `${p}%`),
);

const step: fc.Arbitrary<CanaryStep> = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((setWeight) => ({ setWeight })),
  fc.constant({ pause: {} }),
  fc.integer({ min: 0, max: 20 }).map((duration) => ({ pause: { duration } })),
);

type UserAction = "pass" | "promote" | "abort" | "retry" | "promoteFull" | "image" | "advance";
const userAction: fc.Arbitrary<UserAction> = fc.oneof(
  { weight: 8, arbitrary: fc.constant("pass" as const) },
  { weight: 2, arbitrary: fc.constant("promote" as const) },
  { weight: 1, arbitrary: fc.constant("abort" as const) },
  { weight: 1, arbitrary: fc.constant("retry" as const) },
  { weight: 1, arbitrary: fc.constant("promoteFull" as const) },
  { weight: 1, arbitrary: fc.constant("image" as const) },
  { weight: 1, arbitrary: fc.constant("advance" as const) },
);

const isZero = (value: number | string) => value === 0 || value === "0%";

const scenario = fc
  .record({
    replicas: fc.integer({ min: 1, max: 12 }),
    maxSurge: intOrPercent,
    maxUnavailable: intOrPercent,
    steps: fc.array(step, { maxLength: 5 }),
    actions: fc.array(userAction, { minLength: 5, maxLength: 60 }),
  })
  // spec §8: maxSurge and maxUnavailable both literally 0 is invalid; validation stops it.
  .filter(({ maxSurge, maxUnavailable }) => !(isZero(maxSurge) && isZero(maxUnavailable)));

/** Pods started in this pass become available one pass later; removed pods go at once. */
const slowAvailability: Availability = (rs) => rs.status?.replicas ?? 0;

function userDoes(cluster: Cluster, action: UserAction, imageCounter: { n: number }): Cluster {
  switch (action) {
    case "promote":
      return promote(cluster);
    case "abort":
      return abort(cluster);
    case "retry":
      return cluster.rollout.status?.abort === true ? retry(cluster) : cluster;
    case "promoteFull":
      return promoteFull(cluster);
    case "image":
      imageCounter.n++;
      return setImage(cluster, `web:${imageCounter.n % 3}`);
    case "advance":
      return advance(cluster, 7);
    default:
      return cluster;
  }
}

const sum = (cluster: Cluster, read: (rs: Cluster["replicaSets"][number]) => number) =>
  cluster.replicaSets.reduce((total, rs) => total + read(rs), 0);

describe("canary invariants under random rollouts and user actions", () => {
  it("pods never exceed R + maxSurge; available never below R − maxUnavailable; plans are idempotent", () => {
    fc.assert(
      fc.property(scenario, ({ replicas, maxSurge, maxUnavailable, steps, actions }) => {
        const canary = {
          steps,
          maxSurge,
          maxUnavailable,
          stableService: "stable",
          canaryService: "canary",
        };
        const fence = resolveFenceposts(replicas, maxSurge, maxUnavailable);
        let cluster = converge(newCluster(canaryRollout(replicas, canary), ["stable", "canary"]));
        const imageCounter = { n: 1 };
        const trace: string[] = [];
        for (const action of actions) {
          cluster = userDoes(cluster, action, imageCounter);
          const planned = plan(observe(cluster), cluster.now);
          const applied = applyPlan(cluster, planned);
          // Applying the same plan again changes nothing (every action is absolute).
          expect(applyPlan(applied, planned)).toEqual(applied);
          cluster = settle(applied, slowAvailability);
          trace.push(
            `${action}: ${cluster.replicaSets.map((rs) => `${rs.spec?.replicas}/${rs.status?.availableReplicas}`).join(" ")}`,
          );
          const pods = sum(cluster, (rs) => rs.spec?.replicas ?? 0);
          const available = sum(cluster, (rs) => rs.status?.availableReplicas ?? 0);
          expect(pods, trace.join("\n")).toBeLessThanOrEqual(replicas + fence.maxSurge);
          expect(available, trace.join("\n")).toBeGreaterThanOrEqual(
            replicas - fence.maxUnavailable,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it("every random rollout settles: after the user promotes through, a pass changes nothing", () => {
    fc.assert(
      fc.property(scenario, ({ replicas, maxSurge, maxUnavailable, steps, actions }) => {
        const canary = {
          steps,
          maxSurge,
          maxUnavailable,
          stableService: "stable",
          canaryService: "canary",
        };
        let cluster = converge(newCluster(canaryRollout(replicas, canary), ["stable", "canary"]));
        const imageCounter = { n: 1 };
        for (const action of actions) {
          cluster = userDoes(cluster, action, imageCounter);
          cluster = settle(applyPlan(cluster, plan(observe(cluster), cluster.now)));
        }
        // Finish: clear an abort by retrying, then promote fully and let it settle.
        if (cluster.rollout.status?.abort === true) cluster = retry(cluster);
        cluster = converge(promoteFull(cluster), 80);
        expect(cluster.rollout.status?.phase).toBe("Healthy");
        const live = cluster.replicaSets.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
        expect(live.map((rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"])).toEqual([
          cluster.rollout.status?.currentPodHash,
        ]);
        const fixed = plan(observe(cluster), cluster.now);
        expect(fixed.actions).toEqual([]);
        expect(fixed.status).toEqual(cluster.rollout.status);
      }),
      { numRuns: 40 },
    );
  });
});

const trafficScenario = fc.record({
  replicas: fc.integer({ min: 1, max: 12 }),
  steps: fc.array(step, { maxLength: 5 }),
  dynamicStableScale: fc.boolean(),
  minPodsPerReplicaSet: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  // What the routers answer to VerifyWeight (Observed.routers).
  verifier: fc.constantFrom("none", "matchesState", "notImplemented") as fc.Arbitrary<
    "none" | "matchesState" | "notImplemented"
  >,
  actions: fc.array(userAction, { minLength: 5, maxLength: 60 }),
});

/** The canary hash and weights a plan sends to the routers. */
function sentWeights(planned: ReturnType<typeof plan>): { hash?: string; weights: number[] } {
  let hash: string | undefined;
  const weights: number[] = [];
  for (const action of planned.actions) {
    if (action.kind !== "router") continue;
    if (action.call.method === "updateHash") hash = action.call.canaryHash;
    if (action.call.method === "setWeight") weights.push(action.call.weight);
  }
  return { ...(hash === undefined ? {} : { hash }), weights };
}

describe("traffic-routing invariants under random rollouts and user actions", () => {
  it("weight only on available canary pods, abort sends 0, plans are idempotent, all settles", () => {
    fc.assert(
      fc.property(
        trafficScenario,
        ({ replicas, steps, dynamicStableScale, minPodsPerReplicaSet, verifier, actions }) => {
          const canary = {
            steps,
            stableService: "stable",
            canaryService: "canary",
            trafficRouting: { smi: {} },
            ...(dynamicStableScale ? { dynamicStableScale } : {}),
            ...(minPodsPerReplicaSet === undefined ? {} : { minPodsPerReplicaSet }),
          };
          let cluster: Cluster = newCluster(canaryRollout(replicas, canary), ["stable", "canary"]);
          if (verifier === "matchesState") cluster.routerAnswer = "matchesState";
          if (verifier === "notImplemented") cluster.routerAnswer = { verified: undefined };
          cluster = converge(cluster);
          const imageCounter = { n: 1 };
          const trace: string[] = [];
          for (const action of actions) {
            cluster = userDoes(cluster, action, imageCounter);
            const abortedBefore = cluster.rollout.status?.abort === true;
            const planned = plan(observe(cluster), cluster.now);
            const applied = applyPlan(cluster, planned);
            expect(applyPlan(applied, planned)).toEqual(applied);
            const sent = sentWeights(planned);
            trace.push(
              `${action}: ${cluster.replicaSets.map((rs) => `${rs.spec?.replicas}/${rs.status?.availableReplicas}`).join(" ")} → weights ${sent.weights.join(",")}`,
            );
            const canaryBefore = cluster.replicaSets.find(
              (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === sent.hash,
            );
            const canaryAfter = applied.replicaSets.find(
              (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === sent.hash,
            );
            const carrying = Math.min(
              canaryBefore?.status?.availableReplicas ?? 0,
              canaryAfter?.spec?.replicas ?? 0,
            );
            const isStable = sent.hash === cluster.rollout.status?.stableRS;
            for (const weight of sent.weights) {
              if (abortedBefore && !dynamicStableScale) {
                // §5.8: an abort sends all traffic back to stable at once.
                expect(weight, trace.join("\n")).toBe(0);
              }
              if (!abortedBefore && !isStable && weight > 0) {
                // The weight never points at canary pods that are not available.
                expect(carrying, trace.join("\n")).toBeGreaterThanOrEqual(
                  Math.ceil((weight * replicas) / 100),
                );
              }
            }
            cluster = settle(applied, slowAvailability);
          }
          if (cluster.rollout.status?.abort === true) {
            // An abort ends with no traffic on the canary (DSS: once stable has grown back).
            cluster = converge(cluster, 80);
            expect(cluster.rollout.status?.canary?.weights?.canary.weight).toBe(0);
            expect(cluster.router?.weight).toBe(0);
            cluster = retry(cluster);
          }
          cluster = converge(promoteFull(cluster), 80);
          expect(cluster.rollout.status?.phase).toBe("Healthy");
          expect(cluster.router?.weight).toBe(0);
          expect(cluster.router?.canaryHash).toBe(cluster.rollout.status?.currentPodHash);
          expect(cluster.router?.stableHash).toBe(cluster.rollout.status?.currentPodHash);
        },
      ),
      {
        numRuns: 40,
        // Always also try a lower weight after a higher one (pods removed after traffic moved).
        examples: [
          [
            {
              replicas: 10,
              steps: [{ setWeight: 50 }, { setWeight: 20 }],
              dynamicStableScale: false,
              minPodsPerReplicaSet: undefined,
              verifier: "none",
              actions: ["image", "pass", "pass", "pass", "pass", "pass", "pass"],
            },
          ],
        ],
      },
    );
  });
});

type BlueGreenAction = "pass" | "promote" | "abort" | "retry" | "image" | "advance";

/**
 * Drives a blue-green Rollout through the user's actions, one reconcile pass after each, and
 * checks after every pass that the active Service selects an RS with R available pods (§6: the
 * switch needs the new RS saturated; abort sends it back to the still-full stable RS).
 */
function checkBlueGreenActiveAlwaysFull(
  replicas: number,
  previewReplicaCount: number | undefined,
  autoPromotionEnabled: boolean,
  actions: readonly BlueGreenAction[],
): Cluster {
  const strategy = {
    activeService: "active",
    previewService: "preview",
    autoPromotionEnabled,
    ...(previewReplicaCount === undefined
      ? {}
      : { previewReplicaCount: Math.min(previewReplicaCount, replicas) }),
  };
  let cluster = converge(newCluster(blueGreenRollout(replicas, strategy), ["active", "preview"]));
  const imageCounter = { n: 1 };
  const trace: string[] = [];
  for (const action of actions) {
    cluster = userDoes(cluster, action, imageCounter);
    const planned = plan(observe(cluster), cluster.now);
    const applied = applyPlan(cluster, planned);
    expect(applyPlan(applied, planned)).toEqual(applied);
    cluster = settle(applied, slowAvailability);
    const activeHash = cluster.services.active?.spec?.selector?.["rollouts-pod-template-hash"];
    trace.push(
      `${action}: ${cluster.replicaSets.map((rs) => `${rs.metadata?.labels?.["rollouts-pod-template-hash"]} ${rs.spec?.replicas}/${rs.status?.availableReplicas}`).join(", ")}; active → ${activeHash}`,
    );
    // The active Service never points at an RS that is not fully available.
    const activeRS = cluster.replicaSets.find(
      (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === activeHash,
    );
    expect(activeRS?.status?.availableReplicas, trace.join("\n")).toBe(replicas);
  }
  return cluster;
}

describe("blue-green invariants", () => {
  it("the active Service always selects an RS with R available pods once healthy, and plans are idempotent", () => {
    const bgAction: fc.Arbitrary<BlueGreenAction> = fc.oneof(
      { weight: 6, arbitrary: fc.constant("pass" as const) },
      { weight: 2, arbitrary: fc.constant("promote" as const) },
      { weight: 1, arbitrary: fc.constant("abort" as const) },
      { weight: 1, arbitrary: fc.constant("retry" as const) },
      { weight: 1, arbitrary: fc.constant("image" as const) },
      { weight: 2, arbitrary: fc.constant("advance" as const) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.boolean(),
        fc.array(bgAction, { minLength: 5, maxLength: 40 }),
        (replicas, previewReplicaCount, autoPromotionEnabled, actions) => {
          checkBlueGreenActiveAlwaysFull(
            replicas,
            previewReplicaCount,
            autoPromotionEnabled,
            actions,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("regression: retry after aborting a full preview does not switch the active Service onto a preview it scales back down", () => {
    // The counterexample fast-check found: R=2, previewReplicaCount 1. The abort drops
    // scaleUpPreviewCheckPoint while RS2 is at 2/2; the retry pass scales RS2 back to 1 and
    // used to switch the active Service to it in the same pass (1 of 2 pods behind it).
    const cluster = checkBlueGreenActiveAlwaysFull(2, 1, true, [
      "image",
      "promote",
      "pass",
      "pass",
      "advance",
      "abort",
      "advance",
      "retry",
    ]);
    const current = cluster.rollout.status?.currentPodHash;
    const preview = cluster.replicaSets.find(
      (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === current,
    );
    // After the retry pass the preview is back at previewReplicaCount and the active side
    // is still the stable RS.
    expect(preview?.spec?.replicas).toBe(1);
    expect(cluster.services.active?.spec?.selector?.["rollouts-pod-template-hash"]).toBe(
      cluster.rollout.status?.stableRS,
    );
    expect(cluster.rollout.status?.stableRS).not.toBe(current);
    // The retried update still completes: it re-latches the checkpoint, scales to R, switches.
    const finished = checkBlueGreenActiveAlwaysFull(2, 1, true, [
      "image",
      "promote",
      "pass",
      "pass",
      "advance",
      "abort",
      "advance",
      "retry",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
    ]);
    expect(finished.rollout.status?.stableRS).toBe(finished.rollout.status?.currentPodHash);
    expect(finished.services.active?.spec?.selector?.["rollouts-pod-template-hash"]).toBe(
      finished.rollout.status?.currentPodHash,
    );
  });
});

describe("robustness: odd status values never crash the planner", () => {
  it("plans from any combination of status fields a user or an older controller could leave", () => {
    const status = fc.record(
      {
        abort: fc.boolean(),
        abortedAt: fc.constant("2025-12-31T23:00:00Z"),
        promoteFull: fc.boolean(),
        controllerPause: fc.boolean(),
        currentStepIndex: fc.integer({ min: -3, max: 12 }),
        stableRS: fc.oneof(fc.constant("nonexistent"), fc.constant("")),
        currentStepHash: fc.string({ maxLength: 4 }),
        collisionCount: fc.integer({ min: 0, max: 3 }),
        restartedAt: fc.constant("not a time"),
        pauseConditions: fc.array(
          fc.record({
            reason: fc.constantFrom(
              "CanaryPauseStep",
              "BlueGreenPause",
              "InconclusiveAnalysisRun",
              "Other",
            ),
            startTime: fc.constantFrom("2026-01-01T00:00:00Z", "garbage"),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        status,
        fc.boolean(),
        fc.array(step, { maxLength: 4 }),
        (garbage, blueGreen, steps) => {
          const healthy = blueGreen
            ? converge(newCluster(blueGreenRollout(3, { activeService: "active" }), ["active"]))
            : converge(
                newCluster(
                  canaryRollout(3, { steps, stableService: "stable", canaryService: "canary" }),
                  ["stable", "canary"],
                ),
              );
          let cluster: Cluster = {
            ...healthy,
            rollout: { ...healthy.rollout, status: { ...healthy.rollout.status, ...garbage } },
          };
          cluster = setImage(cluster, "web:9");
          for (let i = 0; i < 6; i++) {
            const planned = plan(observe(cluster), cluster.now);
            expect(["Healthy", "Progressing", "Paused", "Degraded"]).toContain(
              planned.status.phase,
            );
            cluster = settle(applyPlan(cluster, planned));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
