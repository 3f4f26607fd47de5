// Canary with traffic routing: the worked examples of spec/rollout-behavior.md §9 (E5–E8,
// E10, E11) pass by pass — router calls, replica counts, Service selectors and
// status.canary.weights — plus the VerifyWeight gate of spec/traffic-routers.md §1.4.
import { describe, expect, it } from "vitest";
import type { CanaryStrategy } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../keys.js";
import {
  abort,
  advance,
  type Cluster,
  canaryRollout,
  converge,
  newCluster,
  pass as passOnce,
  promote,
  rsByRevision,
  setImage,
} from "../testing/index.js";
import { walk } from "../testing/table.js";

const services = { stableService: "stable", canaryService: "canary" };
const smi = { smi: {} };

function healthy(replicas: number, canary: CanaryStrategy): Cluster {
  return converge(newCluster(canaryRollout(replicas, canary), ["stable", "canary"]));
}

const deadlineOf = (cluster: Cluster, revision: number) =>
  rsByRevision(cluster, revision)?.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];

const isoPlus = (cluster: Cluster, seconds: number) =>
  `${new Date(cluster.now.getTime() + seconds * 1000).toISOString().slice(0, 19)}Z`;

const E5_STEPS: CanaryStep[] = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { pause: { duration: 10 } },
];

describe("E5 traffic routing (SMI), R=10, no dynamicStableScale", () => {
  it("moves weight only onto available canary pods, promotes at 100, keeps RS1 30 s", () => {
    const start = setImage(
      healthy(10, { steps: E5_STEPS, ...services, trafficRouting: smi }),
      "web:2",
    );
    // A healthy revision 1 already routes 0 % to canary, both hashes on RS1.
    expect(start.rollout.status?.canary?.weights).toMatchObject({
      canary: { weight: 0, serviceName: "canary" },
      stable: { weight: 100, serviceName: "stable" },
    });
    const up = { canary: 0, stable: 0 };
    const end = walk(start, [
      { label: "0 (RS2 created)", rs: [10, 0], index: 0, phase: "Progressing", calls: [] },
      {
        label: "1",
        rs: [10, 2],
        index: 0,
        phase: "Progressing",
        calls: ["removeManagedRoutes", "updateHash(RS2,RS1)", "setWeight(0)"],
        weights: [0, 100],
        services: up,
      },
      {
        label: "2",
        rs: [10, 2],
        index: 1,
        phase: "Progressing",
        calls: ["updateHash(RS2,RS1)", "setWeight(20)"],
        weights: [20, 80],
        services: { canary: 1, stable: 0 },
      },
      { label: "3", rs: [10, 2], index: 1, phase: "Paused", weights: [20, 80] },
      {
        label: "4",
        before: promote,
        rs: [10, 2],
        index: 2,
        phase: "Progressing",
        weights: [20, 80],
      },
      {
        label: "5",
        rs: [10, 5],
        index: 2,
        phase: "Progressing",
        calls: ["updateHash(RS2,RS1)", "setWeight(20)"],
        weights: [20, 80],
      },
      { label: "6", rs: [10, 5], index: 3, phase: "Progressing", weights: [50, 50] },
      { label: "7", rs: [10, 5], index: 3, phase: "Paused", weights: [50, 50] },
      {
        label: "8",
        before: (c) => advance(c, 10),
        rs: [10, 5],
        index: 4,
        phase: "Progressing",
        weights: [50, 50],
      },
      { label: "9", rs: [10, 10], index: 4, phase: "Progressing", weights: [50, 50] },
      {
        label: "10",
        rs: [10, 10],
        index: 4,
        phase: "Healthy",
        calls: ["updateHash(RS2,RS1)", "setWeight(100)"],
        weights: [100, 0],
        stableRS: 1,
      },
      {
        label: "11",
        rs: [10, 10],
        index: 4,
        phase: "Healthy",
        calls: ["removeManagedRoutes", "updateHash(RS2,RS2)", "setWeight(0)"],
        weights: [0, 100],
        services: { canary: 1, stable: 1 },
      },
      {
        label: "12",
        rs: [10, 10],
        phase: "Healthy",
        check: (planned, cluster) => {
          expect(deadlineOf(cluster, 1)).toBe(isoPlus(cluster, 30));
          expect(planned.requeueAfterSeconds).toBe(30);
        },
      },
      { label: "+29 s", before: (c) => advance(c, 29), rs: [10, 10], phase: "Healthy" },
      { label: "+30 s", before: (c) => advance(c, 1), rs: [0, 10], phase: "Healthy" },
    ]);
    expect(deadlineOf(end, 1)).toBeUndefined();
    expect(end.router).toEqual({
      weight: 0,
      canaryHash: end.rollout.status?.currentPodHash,
      stableHash: end.rollout.status?.currentPodHash,
      routes: {},
    });
  });
});

describe("E6 traffic routing with dynamicStableScale", () => {
  it("shrinks stable one pass after each weight move and drops RS1 without delay", () => {
    const start = setImage(
      healthy(10, { steps: E5_STEPS, ...services, trafficRouting: smi, dynamicStableScale: true }),
      "web:2",
    );
    walk(start, [
      { label: "0", rs: [10, 0], index: 0, phase: "Progressing" },
      { label: "1 canary 0→2", rs: [10, 2], index: 0, phase: "Progressing", weights: [0, 100] },
      { label: "2 weight 20", rs: [10, 2], index: 1, phase: "Progressing", weights: [20, 80] },
      { label: "3 stable 10→8", rs: [8, 2], index: 1, phase: "Progressing", weights: [20, 80] },
      { label: "4 pause", rs: [8, 2], index: 1, phase: "Paused" },
      { label: "5 promoted", before: promote, rs: [8, 2], index: 2, phase: "Progressing" },
      { label: "6 canary 2→5", rs: [8, 5], index: 2, phase: "Progressing", weights: [20, 80] },
      { label: "7 weight 50", rs: [8, 5], index: 3, phase: "Progressing", weights: [50, 50] },
      { label: "8 stable 8→5", rs: [5, 5], index: 3, phase: "Progressing", weights: [50, 50] },
      { label: "9 pause", rs: [5, 5], index: 3, phase: "Paused" },
      { label: "10", before: (c) => advance(c, 10), rs: [5, 5], index: 4, phase: "Progressing" },
      { label: "11 canary 5→10", rs: [5, 10], index: 4, phase: "Progressing", weights: [50, 50] },
      {
        label: "12 weight 100 + promote",
        rs: [5, 10],
        phase: "Healthy",
        weights: [100, 0],
        stableRS: 1,
        calls: ["updateHash(RS2,RS1)", "setWeight(100)"],
      },
      {
        label: "13 weight 0, RS1 still referenced",
        rs: [5, 10],
        phase: "Healthy",
        weights: [0, 100],
        calls: ["removeManagedRoutes", "updateHash(RS2,RS2)", "setWeight(0)"],
      },
      { label: "14 RS1 → 0 at once", rs: [0, 10], phase: "Healthy" },
    ]);
  });
});

/** Runs passes (promoting past pauses) until `done`; returns "RS2 size @ weight" changes. */
function traceCanary(
  start: Cluster,
  done: (cluster: Cluster) => boolean,
  limit = 40,
): { cluster: Cluster; trace: string[] } {
  let cluster = start;
  const trace: string[] = [];
  for (let i = 0; i < limit; i++) {
    if (cluster.rollout.status?.phase === "Paused") cluster = promote(cluster);
    cluster = walkOne(cluster);
    const canary = rsByRevision(cluster, 2)?.spec?.replicas ?? 0;
    const stable = rsByRevision(cluster, 1)?.spec?.replicas ?? 0;
    const weight = cluster.rollout.status?.canary?.weights?.canary.weight;
    const paused = cluster.rollout.status?.phase === "Paused" ? " paused" : "";
    const entry = `${stable}/${canary} w${weight}${paused}`;
    if (trace[trace.length - 1] !== entry) trace.push(entry);
    if (done(cluster)) return { cluster, trace };
  }
  throw new Error(`not done after ${limit} passes: ${trace.join(" → ")}`);
}

function walkOne(cluster: Cluster): Cluster {
  return passOnce(cluster).cluster;
}

describe("E7 setCanaryScale", () => {
  it("overrides the canary size until matchTrafficWeight; RS1 stays 10", () => {
    const steps: CanaryStep[] = [
      { setCanaryScale: { replicas: 3 } },
      { setWeight: 0 },
      { pause: {} },
      { setCanaryScale: { weight: 50 } },
      { setWeight: 10 },
      { pause: {} },
      { setCanaryScale: { matchTrafficWeight: true } },
      { setWeight: 30 },
      { pause: {} },
    ];
    const start = setImage(healthy(10, { steps, ...services, trafficRouting: smi }), "web:2");
    const { trace } = traceCanary(start, (c) => c.rollout.status?.phase === "Healthy");
    expect(trace).toEqual([
      "10/0 w0",
      "10/3 w0",
      "10/3 w0 paused",
      "10/3 w0",
      "10/5 w0",
      "10/5 w10",
      "10/5 w10 paused",
      "10/5 w10",
      "10/1 w10",
      "10/3 w10",
      "10/3 w30",
      "10/3 w30 paused",
      "10/3 w30",
      "10/10 w30",
      "10/10 w100",
    ]);
  });
});

describe("E8 minPodsPerReplicaSet", () => {
  it.each([
    [10, [10, 2]],
    [1, [1, 1]],
  ])("R=%i: setWeight 5 runs on min(2, R) canary pods at 5/95", (replicas, sizes) => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 5 }, { pause: {} }],
      ...services,
      trafficRouting: smi,
      minPodsPerReplicaSet: 2,
    };
    const { cluster } = traceCanary(
      setImage(healthy(replicas, canary), "web:2"),
      (c) => c.rollout.status?.phase === "Paused",
    );
    expect([
      rsByRevision(cluster, 1)?.spec?.replicas,
      rsByRevision(cluster, 2)?.spec?.replicas,
    ]).toEqual(sizes);
    const weights = cluster.rollout.status?.canary?.weights;
    expect([weights?.canary.weight, weights?.stable.weight]).toEqual([5, 95]);
  });
});

/** E5 run up to the 10 s pause at 50/50 (RS1 10, RS2 5). */
function atFiftyFifty(canary: Partial<CanaryStrategy> = {}): Cluster {
  const start = setImage(
    healthy(10, { steps: E5_STEPS, ...services, trafficRouting: smi, ...canary }),
    "web:2",
  );
  return traceCanary(
    start,
    (c) => c.rollout.status?.currentStepIndex === 3 && c.rollout.status.phase === "Paused",
  ).cluster;
}

describe("E10 abort with traffic routing, no dynamicStableScale", () => {
  it("returns all traffic to stable at once and scales the canary down after 30 s", () => {
    const cluster = atFiftyFifty();
    walk(abort(cluster), [
      {
        label: "1",
        rs: [10, 5],
        index: 0,
        phase: "Degraded",
        message: "RolloutAborted: Rollout aborted update to revision 2",
        calls: ["removeManagedRoutes", "updateHash(RS2,RS1)", "setWeight(0)"],
        weights: [0, 100],
        services: { canary: 0, stable: 0 },
        check: (planned, c) => {
          expect(deadlineOf(c, 2)).toBe(isoPlus(c, 30));
          expect(planned.requeueAfterSeconds).toBe(30);
        },
      },
      { label: "+29 s", before: (c) => advance(c, 29), rs: [10, 5], phase: "Degraded" },
      { label: "+30 s", before: (c) => advance(c, 1), rs: [10, 0], phase: "Degraded" },
    ]);
  });

  it("abortScaleDownDelaySeconds: 0 keeps the canary pods", () => {
    let cluster = abort(atFiftyFifty({ abortScaleDownDelaySeconds: 0 }));
    for (let i = 0; i < 3; i++) cluster = advance(walkOne(cluster), 60);
    expect(rsByRevision(cluster, 2)?.spec?.replicas).toBe(5);
    expect(cluster.rollout.status?.canary?.weights?.canary.weight).toBe(0);
    expect(deadlineOf(cluster, 2)).toBeUndefined();
  });
});

describe("E11 abort with traffic routing and dynamicStableScale (delay unset)", () => {
  it("steps the weight down through the setWeight steps as stable grows back", () => {
    const steps: CanaryStep[] = [{ setWeight: 20 }, { setWeight: 50 }, { pause: {} }];
    const start = setImage(
      healthy(10, { steps, ...services, trafficRouting: smi, dynamicStableScale: true }),
      "web:2",
    );
    const { cluster } = traceCanary(start, (c) => c.rollout.status?.phase === "Paused");
    expect([
      rsByRevision(cluster, 1)?.spec?.replicas,
      rsByRevision(cluster, 2)?.spec?.replicas,
    ]).toEqual([5, 5]);
    walk(abort(cluster), [
      { label: "1", rs: [8, 5], weights: [50, 50], phase: "Degraded", services: { canary: 1 } },
      { label: "2", rs: [8, 2], weights: [20, 80], phase: "Degraded", services: { canary: 1 } },
      { label: "3", rs: [10, 2], weights: [20, 80], phase: "Degraded", services: { canary: 1 } },
      { label: "4", rs: [10, 0], weights: [0, 100], phase: "Degraded", services: { canary: 0 } },
    ]);
  });
});

describe("§5.2 rule 1: dynamicStableScale rollback to the stable template mid-update", () => {
  it("keeps the old canary's weight until stable is whole, then removes weight and pods", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 20 }, { setWeight: 50 }, { pause: {} }],
      ...services,
      trafficRouting: smi,
      dynamicStableScale: true,
    };
    const start = setImage(healthy(10, canary), "web:2");
    let { cluster } = traceCanary(start, (c) => c.rollout.status?.phase === "Paused");
    cluster = setImage(cluster, "web:1");
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      cluster = walkOne(cluster);
      const w = cluster.rollout.status?.canary?.weights?.canary.weight;
      seen.push(
        `${rsByRevision(cluster, 3)?.spec?.replicas ?? rsByRevision(cluster, 1)?.spec?.replicas}/${rsByRevision(cluster, 2)?.spec?.replicas} w${w}`,
      );
    }
    // The old canary keeps its weight until the stable RS is whole again, then loses it,
    // then its pods (DSS: no delay).
    expect(seen.slice(0, 4)).toEqual(["5/5 w50", "10/5 w50", "10/5 w0", "10/0 w0"]);
    expect(cluster.rollout.status?.phase).toBe("Healthy");
  });
});
