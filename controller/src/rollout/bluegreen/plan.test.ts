// spec/rollout-behavior.md §9 worked examples for blue-green (E15, E16) and §6 rules.
import { describe, expect, it } from "vitest";
import type { BlueGreenStrategy } from "../../api/rollout.js";
import {
  abort,
  advance,
  blueGreenRollout,
  converge,
  newCluster,
  promote,
  promoteFull,
  selectorOf,
  setImage,
  sizes,
} from "../testing/index.js";
import { type Cluster, pass } from "../testing/simulator.js";
import { walk } from "../testing/table.js";

function healthy(replicas: number, blueGreen: BlueGreenStrategy): Cluster {
  const names = [
    blueGreen.activeService,
    ...(blueGreen.previewService === undefined ? [] : [blueGreen.previewService]),
  ];
  const cluster = converge(newCluster(blueGreenRollout(replicas, blueGreen), names));
  expect(cluster.rollout.status?.phase).toBe("Healthy");
  expect(sizes(cluster)).toEqual([replicas]);
  return cluster;
}

describe("blue-green initial deploy", () => {
  it("scales the first RS to R, points both Services at it and becomes Healthy", () => {
    const cluster = healthy(3, { activeService: "active", previewService: "preview" });
    const hash = cluster.rollout.status?.currentPodHash;
    expect(selectorOf(cluster, "active")).toBe(hash);
    expect(selectorOf(cluster, "preview")).toBe(hash);
    expect(cluster.rollout.status?.stableRS).toBe(hash);
    expect(cluster.rollout.status?.blueGreen).toMatchObject({
      activeSelector: hash,
      previewSelector: hash,
    });
    expect(cluster.rollout.status?.selector).toBe(`app=web,rollouts-pod-template-hash=${hash}`);
  });
});

describe("E15 blue-green, R=3, previewReplicaCount 1, autoPromotionEnabled false", () => {
  it("previews one pod, pauses, scales up after promote, switches, then retires RS1 after 30 s", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      previewService: "preview",
      previewReplicaCount: 1,
      autoPromotionEnabled: false,
    };
    const changed = setImage(healthy(3, strategy), "web:2");
    walk(changed, [
      {
        label: "0 RS2 created, preview→RS2",
        rs: [3, 0],
        phase: "Progressing",
        services: { active: 0, preview: 1 },
        check: (plan) =>
          expect(plan.actions.map((a) => a.kind)).toEqual([
            "createReplicaSet",
            "patchRollout",
            "setServiceSelector",
          ]),
      },
      { label: "1 RS2 0→1", rs: [3, 1], phase: "Progressing", services: { active: 0, preview: 1 } },
      {
        label: "2 BlueGreenPause",
        rs: [3, 1],
        phase: "Paused",
        message: "BlueGreenPause",
        services: { active: 0, preview: 1 },
      },
      { label: "2b stays paused", before: (c) => advance(c, 3600), rs: [3, 1], phase: "Paused" },
      {
        label: "3 promoted: checkpoint",
        before: promote,
        rs: [3, 1],
        phase: "Progressing",
        check: (_plan, cluster) =>
          expect(cluster.rollout.status?.blueGreen?.scaleUpPreviewCheckPoint).toBe(true),
      },
      { label: "4 RS2 1→3", rs: [3, 3], phase: "Progressing", services: { active: 0, preview: 1 } },
      {
        label: "5 switch + promote",
        rs: [3, 3],
        phase: "Healthy",
        services: { active: 1, preview: 1 },
        stableRS: 1,
        check: (plan, cluster) => {
          expect(plan.events.map((e) => e.reason)).toContain("SwitchService");
          expect(cluster.rollout.status?.blueGreen?.scaleUpPreviewCheckPoint).toBeUndefined();
        },
      },
      {
        label: "6 RS1 deadline annotated",
        rs: [3, 3],
        phase: "Healthy",
        check: (plan, cluster) => {
          expect(cluster.replicaSets[0]?.metadata?.annotations?.["scale-down-deadline"]).toBe(
            "2026-01-01T01:00:30Z",
          );
          expect(plan.requeueAfterSeconds).toBe(30);
        },
      },
      {
        label: "6b before the deadline",
        before: (c) => advance(c, 29),
        rs: [3, 3],
        phase: "Healthy",
      },
      { label: "6c RS1 3→0", before: (c) => advance(c, 1), rs: [0, 3], phase: "Healthy" },
    ]);
  });
});

describe("E16 blue-green, R=2, defaults", () => {
  const strategy: BlueGreenStrategy = { activeService: "active" };

  it("the pass that sees 2/2 available switches and promotes; RS1 → 0 after 30 s", () => {
    walk(setImage(healthy(2, strategy), "web:2"), [
      { label: "0 RS2 created", rs: [2, 0], phase: "Progressing", services: { active: 0 } },
      { label: "1 RS2 0→2", rs: [2, 2], phase: "Progressing", services: { active: 0 } },
      {
        label: "2 switch + promote",
        rs: [2, 2],
        phase: "Healthy",
        services: { active: 1 },
        stableRS: 1,
      },
      { label: "3 deadline", rs: [2, 2], phase: "Healthy" },
      { label: "4 +30 s", before: (c) => advance(c, 30), rs: [0, 2], phase: "Healthy" },
    ]);
  });

  it("autoPromotionSeconds 60: pauses when ready and switches 60 s after the pause started", () => {
    walk(setImage(healthy(2, { ...strategy, autoPromotionSeconds: 60 }), "web:2"), [
      { label: "0 RS2 created", rs: [2, 0], phase: "Progressing" },
      { label: "1 RS2 0→2", rs: [2, 2], phase: "Progressing" },
      {
        label: "2 BlueGreenPause",
        rs: [2, 2],
        phase: "Paused",
        services: { active: 0 },
        check: (plan) => expect(plan.requeueAfterSeconds).toBe(60),
      },
      {
        label: "3 +59 s",
        before: (c) => advance(c, 59),
        rs: [2, 2],
        phase: "Paused",
        services: { active: 0 },
      },
      {
        label: "4 +60 s switch",
        before: (c) => advance(c, 1),
        rs: [2, 2],
        phase: "Healthy",
        services: { active: 1 },
        stableRS: 1,
      },
    ]);
  });

  it("abort while paused: active stays on RS1, RS2 gets a deadline then goes to 0, Degraded", () => {
    const paused = walk(
      setImage(healthy(2, { ...strategy, autoPromotionEnabled: false }), "web:2"),
      [
        { label: "0", rs: [2, 0], phase: "Progressing" },
        { label: "1", rs: [2, 2], phase: "Progressing" },
        { label: "2 paused", rs: [2, 2], phase: "Paused" },
      ],
    );
    const message = "RolloutAborted: Rollout aborted update to revision 2";
    walk(paused, [
      {
        label: "abort",
        before: abort,
        rs: [2, 2],
        phase: "Degraded",
        message,
        services: { active: 0 },
        check: (_plan, cluster) =>
          expect(cluster.replicaSets[1]?.metadata?.annotations?.["scale-down-deadline"]).toBe(
            "2026-01-01T00:00:30Z",
          ),
      },
      {
        label: "+30 s RS2 → 0",
        before: (c) => advance(c, 30),
        rs: [2, 0],
        phase: "Degraded",
        message,
        services: { active: 0 },
      },
    ]);
  });

  it("abortScaleDownDelaySeconds 0 keeps the preview RS", () => {
    let cluster = setImage(
      healthy(2, { ...strategy, autoPromotionEnabled: false, abortScaleDownDelaySeconds: 0 }),
      "web:2",
    );
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    cluster = abort(cluster);
    for (let i = 0; i < 3; i++) cluster = pass(advance(cluster, 60)).cluster;
    expect(sizes(cluster)).toEqual([2, 2]);
    expect(cluster.rollout.status?.phase).toBe("Degraded");
  });

  it("promote --full skips the pause", () => {
    let cluster = setImage(healthy(2, { ...strategy, autoPromotionEnabled: false }), "web:2");
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.phase).toBe("Paused");
    cluster = pass(promoteFull(cluster)).cluster;
    expect(selectorOf(cluster, "active")).toBe(cluster.rollout.status?.currentPodHash);
    expect(cluster.rollout.status?.phase).toBe("Healthy");
    expect(cluster.rollout.status?.promoteFull).toBeUndefined();
  });
});

describe("blue-green old ReplicaSets", () => {
  it("scaleDownDelayRevisionLimit 0 scales the previous active down at once", () => {
    let cluster = setImage(
      healthy(2, { activeService: "active", scaleDownDelayRevisionLimit: 0 }),
      "web:2",
    );
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(sizes(cluster)).toEqual([0, 2]);
  });

  it("scaleDownDelaySeconds sets the deadline", () => {
    let cluster = setImage(
      healthy(2, { activeService: "active", scaleDownDelaySeconds: 5 }),
      "web:2",
    );
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(cluster.replicaSets[0]?.metadata?.annotations?.["scale-down-deadline"]).toBe(
      "2026-01-01T00:00:05Z",
    );
  });
});

describe("blue-green metadata and halting", () => {
  it("previewMetadata on the new RS until promotion, then activeMetadata (spec §7.9)", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      autoPromotionEnabled: false,
      previewMetadata: { labels: { role: "preview" } },
      activeMetadata: { labels: { role: "active" } },
    };
    let cluster = setImage(healthy(2, strategy), "web:2");
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.phase).toBe("Paused");
    expect(cluster.replicaSets.map((rs) => rs.spec?.template?.metadata?.labels?.role)).toEqual([
      "active",
      "preview",
    ]);
    cluster = converge(promote(cluster));
    expect(cluster.replicaSets[1]?.spec?.template?.metadata?.labels?.role).toBe("active");
  });

  it("spec.paused stops the active switch (the preview RS still scales, spec §11)", () => {
    let cluster = setImage(healthy(2, { activeService: "active" }), "web:2");
    cluster = {
      ...cluster,
      rollout: { ...cluster.rollout, spec: { ...cluster.rollout.spec, paused: true } },
    };
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(sizes(cluster)).toEqual([2, 2]);
    expect(selectorOf(cluster, "active")).toBe(cluster.rollout.status?.stableRS);
    expect(cluster.rollout.status).toMatchObject({ phase: "Paused", message: "manually paused" });
  });

  it("a missing template holds the preview with a message; promote --full still works", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      prePromotionAnalysis: { templates: [{ templateName: "smoke" }] },
    };
    let cluster = setImage(healthy(2, strategy), "web:2");
    for (let i = 0; i < 4; i++) cluster = pass(cluster).cluster;
    expect(selectorOf(cluster, "active")).not.toBe(cluster.rollout.status?.currentPodHash);
    expect(cluster.rollout.status?.phase).toBe("Paused");
    expect(cluster.rollout.status?.message).toContain(
      'cannot create the pre-promotion AnalysisRun: AnalysisTemplate "smoke" not found',
    );
    cluster = converge(promoteFull(cluster));
    expect(cluster.rollout.status?.phase).toBe("Healthy");
  });
});

describe("blue-green analysis (spec/analysis-and-providers.md §3.1)", () => {
  const smoke = {
    smoke: { metrics: [{ name: "smoke", provider: { web: { url: "http://127.0.0.1:1/" } } }] },
  };

  function setRunPhase(cluster: Cluster, name: string, phase: string, message?: string): Cluster {
    const next = structuredClone(cluster);
    const run = next.analysisRuns?.find((r) => r.metadata?.name === name);
    if (run === undefined) throw new Error(`no run ${name}`);
    run.status = { phase, ...(message === undefined ? {} : { message }) };
    return next;
  }

  function untilRun(cluster: Cluster, count: number): Cluster {
    let current = cluster;
    for (let i = 0; i < 30 && (current.analysisRuns?.length ?? 0) < count; i++)
      current = pass(current).cluster;
    if ((current.analysisRuns?.length ?? 0) < count)
      throw new Error(`no run created: ${JSON.stringify(current.rollout.status)}`);
    return current;
  }

  it("pre-promotion: the switch waits for a Successful run; a Failed one aborts", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      prePromotionAnalysis: { templates: [{ templateName: "smoke" }] },
    };
    let cluster = untilRun(
      { ...setImage(healthy(2, strategy), "web:2"), analysisTemplates: smoke },
      1,
    );
    const hash = cluster.rollout.status?.currentPodHash ?? "";
    const name = `web-${hash}-2-pre`;
    expect(cluster.analysisRuns?.map((r) => r.metadata?.name)).toEqual([name]);
    expect(cluster.analysisRuns?.[0]?.metadata?.labels?.["rollout-type"]).toBe("PrePromotion");
    expect(sizes(cluster)).toEqual([2, 2]); // the preview is full before the run starts
    for (let i = 0; i < 3; i++) cluster = pass(setRunPhase(cluster, name, "Running")).cluster;
    expect(selectorOf(cluster, "active")).not.toBe(hash);
    const passed = converge(setRunPhase(cluster, name, "Successful"));
    expect(selectorOf(passed, "active")).toBe(hash);
    expect(passed.rollout.status?.stableRS).toBe(hash);
    expect(passed.rollout.status?.blueGreen?.prePromotionAnalysisRunStatus).toEqual({
      name,
      status: "Successful",
    });

    let failing = untilRun(
      { ...setImage(healthy(2, strategy), "web:3"), analysisTemplates: smoke },
      1,
    );
    const failedName = failing.analysisRuns?.[0]?.metadata?.name ?? "";
    for (let i = 0; i < 3; i++)
      failing = pass(setRunPhase(failing, failedName, "Failed", "smoke failed")).cluster;
    expect(failing.rollout.status?.abort).toBe(true);
    expect(failing.rollout.status?.message).toBe(
      "RolloutAborted: Rollout aborted update to revision 2: Blue/green pre-promotion analysis phase error/failed: smoke failed",
    );
    expect(selectorOf(failing, "active")).toBe(failing.rollout.status?.stableRS);
  });

  it("post-promotion: the new RS becomes stable only after success; a failure switches back", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      postPromotionAnalysis: { templates: [{ templateName: "smoke" }] },
    };
    let cluster = untilRun(
      { ...setImage(healthy(2, strategy), "web:2"), analysisTemplates: smoke },
      1,
    );
    const hash = cluster.rollout.status?.currentPodHash ?? "";
    const oldStable = cluster.rollout.status?.stableRS;
    const name = `web-${hash}-2-post`;
    expect(cluster.analysisRuns?.map((r) => r.metadata?.name)).toEqual([name]);
    expect(selectorOf(cluster, "active")).toBe(hash);
    for (let i = 0; i < 3; i++) cluster = pass(setRunPhase(cluster, name, "Running")).cluster;
    expect(cluster.rollout.status?.stableRS).toBe(oldStable);
    const promoted = converge(setRunPhase(cluster, name, "Successful"));
    expect(promoted.rollout.status?.stableRS).toBe(hash);
    expect(promoted.rollout.status?.phase).toBe("Healthy");

    let failing = untilRun(
      { ...setImage(healthy(2, strategy), "web:3"), analysisTemplates: smoke },
      1,
    );
    const failedName = failing.analysisRuns?.[0]?.metadata?.name ?? "";
    for (let i = 0; i < 3; i++)
      failing = pass(setRunPhase(failing, failedName, "Error", "down")).cluster;
    expect(failing.rollout.status?.phase).toBe("Degraded");
    expect(failing.rollout.status?.message).toContain(
      "Blue/green post-promotion analysis phase error/failed: down",
    );
    expect(selectorOf(failing, "active")).toBe(failing.rollout.status?.stableRS);
  });

  it("an Inconclusive pre-promotion run pauses the rollout with InconclusiveAnalysisRun", () => {
    const strategy: BlueGreenStrategy = {
      activeService: "active",
      prePromotionAnalysis: { templates: [{ templateName: "smoke" }] },
    };
    let cluster = untilRun(
      { ...setImage(healthy(2, strategy), "web:2"), analysisTemplates: smoke },
      1,
    );
    const name = cluster.analysisRuns?.[0]?.metadata?.name ?? "";
    for (let i = 0; i < 3; i++) cluster = pass(setRunPhase(cluster, name, "Inconclusive")).cluster;
    expect(cluster.rollout.status?.phase).toBe("Paused");
    expect(cluster.rollout.status?.pauseConditions?.map((c) => c.reason)).toEqual([
      "InconclusiveAnalysisRun",
    ]);
    expect(selectorOf(cluster, "active")).not.toBe(cluster.rollout.status?.currentPodHash);
  });
});
