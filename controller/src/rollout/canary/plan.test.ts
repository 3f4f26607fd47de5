// spec/rollout-behavior.md §9 worked examples for the basic canary (E1–E4, E9, E12–E14).
import { describe, expect, it } from "vitest";
import type { CanaryStrategy } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import {
  abort,
  advance,
  canaryRollout,
  converge,
  newCluster,
  promote,
  promoteFull,
  retry,
  setImage,
  sizes,
} from "../testing/index.js";
import type { Cluster } from "../testing/simulator.js";
import { pass } from "../testing/simulator.js";
import { type Row, walk } from "../testing/table.js";

const E1_STEPS: CanaryStep[] = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 40 },
  { pause: { duration: "10s" } },
  { setWeight: 60 },
  { setWeight: 80 },
];

/** A healthy revision 1, then the image changed and pass 0 run (RS2 created at 0). */
function updated(replicas: number, canary: CanaryStrategy): Cluster {
  const healthy = converge(newCluster(canaryRollout(replicas, canary), ["stable", "canary"]));
  expect(healthy.rollout.status?.phase).toBe("Healthy");
  const changed = setImage(healthy, "web:2");
  const created = pass(changed);
  expect(created.plan.actions.map((a) => a.kind)).toContain("createReplicaSet");
  expect(created.cluster.rollout.status?.currentStepIndex ?? null).toBe(
    canary.steps === undefined ? null : 0,
  );
  return created.cluster;
}

const services = { stableService: "stable", canaryService: "canary" };

describe("E1 basic canary, R=10, default surge/unavailable", () => {
  it("walks the 19 passes of the worked example", () => {
    const start = updated(10, { steps: E1_STEPS, ...services });
    const rows: Row[] = [
      { label: "1 stable 10→8", rs: [8, 0], index: 0, phase: "Progressing" },
      // The canary Service waits for an available canary pod (spec §5.5).
      {
        label: "2 canary 0→2",
        rs: [8, 2],
        index: 0,
        phase: "Progressing",
        services: { stable: 0, canary: 0 },
      },
      {
        label: "3 step done",
        rs: [8, 2],
        index: 1,
        phase: "Progressing",
        services: { stable: 0, canary: 1 },
      },
      { label: "4 pause", rs: [8, 2], index: 1, phase: "Paused", message: "CanaryPauseStep" },
      { label: "5 promoted", before: promote, rs: [8, 2], index: 2, phase: "Progressing" },
      { label: "6 stable 8→6", rs: [6, 2], index: 2, phase: "Progressing" },
      { label: "7 canary 2→4", rs: [6, 4], index: 2, phase: "Progressing" },
      { label: "8 done", rs: [6, 4], index: 3, phase: "Progressing" },
      { label: "9 timed pause", rs: [6, 4], index: 3, phase: "Paused" },
      {
        label: "9b still paused at +5s",
        before: (c) => advance(c, 5),
        rs: [6, 4],
        index: 3,
        phase: "Paused",
      },
      {
        label: "10 +10s done",
        before: (c) => advance(c, 5),
        rs: [6, 4],
        index: 4,
        phase: "Progressing",
      },
      { label: "11 stable 6→4", rs: [4, 4], index: 4, phase: "Progressing" },
      { label: "12 canary 4→6", rs: [4, 6], index: 4, phase: "Progressing" },
      { label: "13 done", rs: [4, 6], index: 5, phase: "Progressing" },
      { label: "14 stable 4→2", rs: [2, 6], index: 5, phase: "Progressing" },
      { label: "15 canary 6→8", rs: [2, 8], index: 5, phase: "Progressing" },
      { label: "16 done", rs: [2, 8], index: 6, phase: "Progressing" },
      { label: "17 stable 2→0", rs: [0, 8], index: 6, phase: "Progressing" },
      { label: "18 canary 8→10", rs: [0, 10], index: 6, phase: "Progressing" },
      { label: "19 promote", rs: [0, 10], index: 6, phase: "Healthy", stableRS: 1 },
      {
        label: "20 stable Service follows",
        rs: [0, 10],
        index: 6,
        phase: "Healthy",
        services: { stable: 1, canary: 1 },
      },
    ];
    const end = walk(start, rows);
    const conditions = Object.fromEntries(
      (end.rollout.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(conditions).toMatchObject({
      Progressing: "True/NewReplicaSetAvailable",
      Available: "True/AvailableReason",
      Completed: "True/RolloutCompleted",
      Healthy: "True/RolloutHealthy",
      Paused: "False/RolloutPaused",
    });
  });

  it("requeues a timed pause at its expiry", () => {
    let cluster = updated(10, { steps: E1_STEPS, ...services });
    for (let i = 0; i < 8; i++) cluster = pass(i === 4 ? promote(cluster) : cluster).cluster;
    const paused = pass(cluster);
    expect(paused.cluster.rollout.status?.pauseConditions?.[0]?.reason).toBe("CanaryPauseStep");
    expect(paused.plan.requeueAfterSeconds).toBe(10);
  });
});

describe("E2 surge 1, unavailable 0: the canary leads one pod at a time", () => {
  it("reaches 8/2, 6/4, 4/6, 2/8 and promotes in the pass that empties stable", () => {
    const start = updated(10, { steps: E1_STEPS, maxSurge: 1, maxUnavailable: 0, ...services });
    const end = walk(start, [
      { label: "1 canary +1", rs: [10, 1], index: 0, phase: "Progressing" },
      { label: "2 stable −1", rs: [9, 1], index: 0, phase: "Progressing" },
      { label: "3 canary +1", rs: [9, 2], index: 0, phase: "Progressing" },
      { label: "4 stable −1", rs: [8, 2], index: 0, phase: "Progressing" },
      { label: "5 done", rs: [8, 2], index: 1, phase: "Progressing" },
      { label: "6 pause", rs: [8, 2], index: 1, phase: "Paused" },
      { label: "7 promoted", before: promote, rs: [8, 2], index: 2, phase: "Progressing" },
    ]);
    let cluster = end;
    const seen: string[] = [];
    for (let i = 0; i < 60 && cluster.rollout.status?.phase !== "Healthy"; i++) {
      const status = cluster.rollout.status;
      if (status?.phase === "Paused") cluster = advance(cluster, 10);
      cluster = pass(cluster).cluster;
      const promoted = cluster.rollout.status?.stableRS === cluster.rollout.status?.currentPodHash;
      seen.push(
        `${cluster.replicaSets.map((rs) => rs.spec?.replicas).join("/")}${promoted ? " promoted" : ""}`,
      );
    }
    expect(seen).toContain("6/4");
    expect(seen).toContain("4/6");
    // End of E2: canary 9, stable 1, canary 10, and the pass scaling stable 1→0 promotes.
    const tail = seen.slice(seen.indexOf("2/8"));
    expect(tail).toEqual(["2/8", "2/8", "2/9", "1/9", "1/10", "0/10 promoted", "0/10 promoted"]);
    expect(cluster.rollout.status?.phase).toBe("Healthy");
  });
});

describe("E3 R=3, surge 1, unavailable 0, [setWeight 10, 50, 90]", () => {
  it("uses the surge pod for 10 % and ends at 0/3", () => {
    let cluster = updated(3, {
      steps: [{ setWeight: 10 }, { setWeight: 50 }, { setWeight: 90 }],
      maxSurge: 1,
      maxUnavailable: 0,
      ...services,
    });
    const atIndex = new Map<number, string>();
    for (let i = 0; i < 40 && cluster.rollout.status?.phase !== "Healthy"; i++) {
      cluster = pass(cluster).cluster;
      const index = cluster.rollout.status?.currentStepIndex ?? -1;
      if (!atIndex.has(index))
        atIndex.set(index, cluster.replicaSets.map((rs) => rs.spec?.replicas).join("/"));
    }
    // The counts in force when each step completed (index moved past it).
    expect(atIndex.get(1)).toBe("3/1");
    expect(atIndex.get(2)).toBe("2/2");
    expect(atIndex.get(3)).toBe("1/3");
    expect(cluster.replicaSets.map((rs) => rs.spec?.replicas)).toEqual([0, 3]);
    expect(cluster.rollout.status?.phase).toBe("Healthy");
  });
});

describe("E4 no steps = rolling update, R=10, defaults", () => {
  it("scales like a Deployment and reports old replicas pending termination", () => {
    const start = updated(10, { ...services });
    walk(start, [
      {
        label: "1 stable 10→8",
        rs: [8, 0],
        index: null,
        phase: "Progressing",
        message: "more replicas need to be updated",
      },
      { label: "2 canary 0→5", rs: [8, 5], index: null, phase: "Progressing" },
      { label: "3 stable 8→3", rs: [3, 5], index: null, phase: "Progressing" },
      { label: "4 canary 5→10", rs: [3, 10], index: null, phase: "Progressing" },
      {
        label: "5 stable 3→0 + promote",
        rs: [0, 10],
        index: null,
        phase: "Progressing",
        message: "old replicas are pending termination",
        stableRS: 1,
      },
      { label: "6 healthy", rs: [0, 10], index: null, phase: "Healthy" },
    ]);
  });
});

describe("E9 abort, R=10, RS1 6 / RS2 4 at index 3", () => {
  function atIndex3(canary: CanaryStrategy): Cluster {
    let cluster = updated(10, canary);
    for (let i = 0; i < 40; i++) {
      const status = cluster.rollout.status;
      if (status?.currentStepIndex === 3 && sizes(cluster).join("/") === "6/4") return cluster;
      cluster = pass(status?.pauseConditions !== undefined ? promote(cluster) : cluster).cluster;
    }
    throw new Error(`never reached 6/4 at index 3: ${JSON.stringify(cluster.rollout.status)}`);
  }

  it("defaults: stable 6→9, canary 4→0, stable 9→10; Degraded; canary Service back on stable", () => {
    const start = atIndex3({ steps: E1_STEPS, ...services });
    const degraded = "RolloutAborted: Rollout aborted update to revision 2";
    walk(start, [
      {
        label: "1 stable 6→9",
        before: abort,
        rs: [9, 4],
        index: 0,
        phase: "Degraded",
        message: degraded,
        services: { stable: 0, canary: 0 },
      },
      { label: "2 canary 4→0", rs: [9, 0], index: 0, phase: "Degraded", message: degraded },
      { label: "3 stable 9→10", rs: [10, 0], index: 0, phase: "Degraded", message: degraded },
      { label: "4 steady", rs: [10, 0], index: 0, phase: "Degraded", message: degraded },
    ]);
  });

  it("surge 1 / unavailable 0: 7, 3, 8, 2, 9, 1, 10, 0", () => {
    const start = atIndex3({ steps: E1_STEPS, maxSurge: 1, maxUnavailable: 0, ...services });
    let cluster = abort(start);
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      cluster = pass(cluster).cluster;
      seen.push(sizes(cluster).join("/"));
    }
    expect(seen).toEqual(["7/4", "7/3", "8/3", "8/2", "9/2", "9/1", "10/1", "10/0"]);
  });

  it("retry restarts at step 0 exactly like E1", () => {
    let cluster = atIndex3({ steps: E1_STEPS, ...services });
    cluster = abort(cluster);
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(sizes(cluster)).toEqual([10, 0]);
    const retried = pass(retry(cluster));
    const progressing = retried.cluster.rollout.status?.conditions?.find(
      (c) => c.type === "Progressing",
    );
    expect(progressing?.reason).toBe("RolloutRetry");
    expect(retried.cluster.rollout.status?.abortedAt).toBeUndefined();
    expect(sizes(retried.cluster)).toEqual([8, 0]);
    walk(retried.cluster, [
      { label: "2 canary 0→2", rs: [8, 2], index: 0, phase: "Progressing" },
      { label: "3 step done", rs: [8, 2], index: 1, phase: "Progressing" },
      { label: "4 pause", rs: [8, 2], index: 1, phase: "Paused" },
    ]);
  });
});

describe("E12 new template mid-update, R=10, RS1 6 / RS2 4 at index 3", () => {
  function midUpdate(canary: CanaryStrategy): Cluster {
    let cluster = updated(10, canary);
    for (let i = 0; i < 40; i++) {
      const status = cluster.rollout.status;
      if (status?.currentStepIndex === 3 && sizes(cluster).join("/") === "6/4") break;
      cluster = pass(status?.pauseConditions !== undefined ? promote(cluster) : cluster).cluster;
    }
    const created = pass(setImage(cluster, "web:3"));
    expect(sizes(created.cluster)).toEqual([6, 4, 0]);
    expect(created.cluster.rollout.status?.currentStepIndex).toBe(0);
    return created.cluster;
  }

  it("defaults: stable 6→8, RS3 0→1, RS2 4→0, RS3 1→2, step done, pause", () => {
    walk(midUpdate({ steps: E1_STEPS, ...services }), [
      { label: "1 stable 6→8", rs: [8, 4, 0], index: 0, phase: "Progressing" },
      { label: "2 RS3 0→1", rs: [8, 4, 1], index: 0, phase: "Progressing" },
      { label: "3 RS2 4→0", rs: [8, 0, 1], index: 0, phase: "Progressing" },
      { label: "4 RS3 1→2", rs: [8, 0, 2], index: 0, phase: "Progressing" },
      { label: "5 step done", rs: [8, 0, 2], index: 1, phase: "Progressing" },
      { label: "6 pause", rs: [8, 0, 2], index: 1, phase: "Paused" },
    ]);
  });

  it("surge 1 / unavailable 0 drains RS2 one pod at a time", () => {
    let cluster = midUpdate({ steps: E1_STEPS, maxSurge: 1, maxUnavailable: 0, ...services });
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      cluster = pass(cluster).cluster;
      seen.push(sizes(cluster).join("/"));
    }
    expect(seen).toEqual(["7/4/0", "7/3/0", "8/3/0", "8/2/0", "8/2/1", "8/1/1", "8/1/2", "8/0/2"]);
  });
});

describe("E13 revert to the stable template mid-update", () => {
  it("reuses RS1 as revision 3, skips the steps and scales it back", () => {
    let cluster = updated(10, { steps: E1_STEPS, ...services });
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    expect(sizes(cluster)).toEqual([8, 2]);
    const reverted = pass(setImage(cluster, "web:1"));
    expect(reverted.plan.events.map((e) => e.reason)).toContain("SkipSteps");
    const rs1 = reverted.cluster.replicaSets[0];
    expect(rs1?.metadata?.annotations?.["rollout.argoproj.io/revision"]).toBe("3");
    expect(rs1?.metadata?.annotations?.["rollout.argoproj.io/revision-history"]).toBe("1");
    expect(reverted.cluster.rollout.metadata.annotations?.["rollout.argoproj.io/revision"]).toBe(
      "3",
    );
    expect(reverted.cluster.rollout.status?.currentStepIndex).toBe(6);
    walk(reverted.cluster, [
      { label: "1 RS1 8→10", rs: [10, 2], index: 6, phase: "Progressing" },
      { label: "2 RS2 2→0", rs: [10, 0], index: 6, phase: "Progressing" },
      { label: "3 healthy", rs: [10, 0], index: 6, phase: "Healthy", stableRS: 0 },
    ]);
  });
});

describe("E14 promote --full at index 1 (RS1 8 / RS2 2)", () => {
  it("jumps to the end: stable 8→6, canary 2→7, stable 6→1, canary 7→10, stable 1→0 + promote", () => {
    let cluster = updated(10, { steps: E1_STEPS, ...services });
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.phase).toBe("Paused");
    const end = walk(cluster, [
      { label: "1 stable 8→6", before: promoteFull, rs: [6, 2], index: 6, phase: "Progressing" },
      { label: "2 canary 2→7", rs: [6, 7], index: 6, phase: "Progressing" },
      { label: "3 stable 6→1", rs: [1, 7], index: 6, phase: "Progressing" },
      { label: "4 canary 7→10", rs: [1, 10], index: 6, phase: "Progressing" },
      { label: "5 stable 1→0 + promote", rs: [0, 10], index: 6, phase: "Progressing", stableRS: 1 },
      { label: "6 healthy", rs: [0, 10], index: 6, phase: "Healthy" },
    ]);
    expect(end.rollout.status?.promoteFull).toBeUndefined();
    expect(end.rollout.status?.pauseConditions).toBeUndefined();
  });
});
