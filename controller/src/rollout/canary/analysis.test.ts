// Canary step and background analysis in the planner (spec/analysis-and-providers.md §3,
// spec/rollout-behavior.md §3.2, §4.4, §4.6, §4.7). The simulator plays the executor; the
// tests play the AnalysisRun controller by setting a run's status.phase.
import { describe, expect, it } from "vitest";
import type { AnalysisTemplateSpec } from "../../api/analysis.js";
import type { CanaryStrategy } from "../../api/rollout.js";
import { abort, promote, promoteFull, retry, setImage, sizes } from "../testing/fixtures.js";
import { healthyCanary, run, runUntil, services } from "../testing/helpers.js";
import type { Cluster } from "../testing/simulator.js";

const TEMPLATES: Record<string, AnalysisTemplateSpec> = {
  "success-rate": {
    args: [{ name: "service" }, { name: "hash" }],
    metrics: [
      {
        name: "success-rate",
        interval: "1m",
        successCondition: "result[0] >= 0.95",
        provider: { prometheus: { query: "rate({{args.service}}[1m])" } },
      },
    ],
  },
  "cluster/errors": {
    metrics: [{ name: "errors", provider: { web: { url: "http://127.0.0.1:1/errors" } } }],
  },
};

function withTemplates(cluster: Cluster): Cluster {
  return { ...cluster, analysisTemplates: TEMPLATES };
}

const stepAnalysis = {
  templates: [{ templateName: "success-rate" }],
  args: [
    { name: "service", value: "web" },
    { name: "hash", valueFrom: { podTemplateHashValue: "Latest" as const } },
  ],
};

function setRunPhase(cluster: Cluster, name: string, phase: string, message?: string): Cluster {
  const next = structuredClone(cluster);
  const run = next.analysisRuns?.find((r) => r.metadata?.name === name);
  if (run === undefined) throw new Error(`no run ${name}: ${JSON.stringify(next.analysisRuns)}`);
  run.status = { phase, ...(message === undefined ? {} : { message }) };
  return next;
}

function runNames(cluster: Cluster): string[] {
  return (cluster.analysisRuns ?? []).map((r) => r.metadata?.name ?? "");
}

describe("canary step analysis", () => {
  const canary: CanaryStrategy = {
    steps: [{ setWeight: 20 }, { analysis: stepAnalysis }, { setWeight: 60 }],
    ...services,
  };

  function atAnalysisStep(): Cluster {
    const updated = setImage(withTemplates(healthyCanary(5, canary)), "web:2");
    return runUntil(updated, (c) => (c.analysisRuns?.length ?? 0) > 0);
  }

  it("creates the run as the spec names and labels it, and waits for it", () => {
    const cluster = atAnalysisStep();
    const status = cluster.rollout.status;
    expect(status?.currentStepIndex).toBe(1);
    const hash = status?.currentPodHash ?? "";
    const name = `web-${hash}-2-1`;
    expect(runNames(cluster)).toEqual([name]);
    expect(status?.canary?.currentStepAnalysisRunStatus).toEqual({ name, status: "Pending" });
    const created = cluster.analysisRuns?.[0] as { manifest?: unknown } | undefined;
    const manifest = created?.manifest as {
      metadata: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        ownerReferences: Array<{ kind: string; uid: string }>;
      };
      spec: { args: unknown; metrics: Array<{ name: string }> };
    };
    expect(manifest.metadata.labels).toMatchObject({
      app: "web",
      "rollouts-pod-template-hash": hash,
      "rollout-type": "Step",
      "step-index": "1",
    });
    expect(manifest.metadata.annotations["rollout.argoproj.io/revision"]).toBe("2");
    expect(manifest.metadata.ownerReferences[0]).toMatchObject({
      kind: "Rollout",
      uid: "rollout-uid",
    });
    expect(manifest.spec.args).toEqual([
      { name: "service", value: "web" },
      { name: "hash", value: hash },
    ]);
    expect(manifest.spec.metrics.map((m) => m.name)).toEqual(["success-rate"]);
    // Running: the step does not complete, no second run is created.
    const waiting = run(setRunPhase(cluster, name, "Running"), 3);
    expect(waiting.rollout.status?.currentStepIndex).toBe(1);
    expect(waiting.rollout.status?.canary?.currentStepAnalysisRunStatus?.status).toBe("Running");
    expect(runNames(waiting)).toEqual([name]);
  });

  it("a Successful run completes the step and the rollout goes on", () => {
    const cluster = atAnalysisStep();
    const name = runNames(cluster)[0] ?? "";
    const done = runUntil(
      setRunPhase(cluster, name, "Successful"),
      (c) => c.rollout.status?.phase === "Healthy",
    );
    expect(sizes(done)).toEqual([0, 5]);
    expect(done.rollout.status?.canary?.currentStepAnalysisRunStatus).toBeUndefined();
  });

  it("a Failed run aborts the rollout with the run's message and scales the canary away", () => {
    const cluster = atAnalysisStep();
    const name = runNames(cluster)[0] ?? "";
    const failed = run(
      setRunPhase(
        cluster,
        name,
        "Failed",
        'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
      ),
      5,
    );
    const status = failed.rollout.status;
    expect(status?.abort).toBe(true);
    expect(status?.phase).toBe("Degraded");
    expect(status?.message).toBe(
      'RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error/failed: Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    );
    expect(sizes(failed)).toEqual([5, 0]);
    // Retry starts over and measures with a new run.
    const retried = runUntil(retry(failed), (c) => (c.analysisRuns?.length ?? 0) > 1);
    expect(runNames(retried)).toEqual([name, `${name}.1`]);
  });

  it("an Inconclusive run pauses with InconclusiveAnalysisRun; lifting the pause measures again", () => {
    const cluster = atAnalysisStep();
    const name = runNames(cluster)[0] ?? "";
    const paused = run(setRunPhase(cluster, name, "Inconclusive"), 3);
    const status = paused.rollout.status;
    expect(status?.phase).toBe("Paused");
    expect(status?.message).toBe("InconclusiveAnalysisRun");
    expect(status?.pauseConditions?.map((c) => c.reason)).toEqual(["InconclusiveAnalysisRun"]);
    expect(status?.controllerPause).toBe(true);
    expect(status?.currentStepIndex).toBe(1);
    // Pause conditions cleared by the user: a new run is created, the step still waits for it.
    const again = run(promote(paused), 2);
    expect(runNames(again)).toEqual([name, `${name}.1`]);
    expect(again.rollout.status?.canary?.currentStepAnalysisRunStatus).toEqual({
      name: `${name}.1`,
      status: "Pending",
    });
    expect(again.rollout.status?.pauseConditions).toBeUndefined();
  });
});

describe("canary background analysis", () => {
  const canary: CanaryStrategy = {
    steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
    analysis: { templates: [{ templateName: "errors", clusterScope: true }], startingStep: 1 },
    ...services,
  };

  it("starts at startingStep, runs beside the steps, and a failure aborts the update", () => {
    const updated = setImage(withTemplates(healthyCanary(5, canary)), "web:2");
    let cluster = runUntil(updated, (c) => c.rollout.status?.phase === "Paused");
    expect(cluster.rollout.status?.currentStepIndex).toBe(1);
    const name = `web-${cluster.rollout.status?.currentPodHash}-2`;
    expect(runNames(cluster)).toEqual([name]);
    expect(cluster.rollout.status?.canary?.currentBackgroundAnalysisRunStatus?.name).toBe(name);
    cluster = runUntil(
      promote(setRunPhase(cluster, name, "Running")),
      (c) => c.rollout.status?.currentStepIndex === 3 && c.rollout.status?.phase === "Paused",
    );
    expect(runNames(cluster)).toEqual([name]);
    const failed = run(setRunPhase(cluster, name, "Error", "provider unreachable"), 4);
    expect(failed.rollout.status?.message).toBe(
      "RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed: provider unreachable",
    );
    expect(sizes(failed)).toEqual([5, 0]);
  });

  it("is terminated when the update is fully promoted, and a missing template holds the rollout", () => {
    const missing = setImage(
      healthyCanary(5, canary),
      "web:2",
    ); /* no templates registered in this cluster */
    const held = run(missing, 6);
    expect(held.rollout.status?.phase).toBe("Paused");
    expect(held.rollout.status?.message).toContain(
      'cannot create the background AnalysisRun: ClusterAnalysisTemplate "errors" not found',
    );

    const updated = setImage(withTemplates(healthyCanary(5, canary)), "web:2");
    let cluster = runUntil(updated, (c) => (c.analysisRuns?.length ?? 0) > 0);
    const name = runNames(cluster)[0] ?? "";
    cluster = runUntil(
      promoteFull(setRunPhase(cluster, name, "Running")),
      (c) => c.rollout.status?.phase === "Healthy",
    );
    expect(cluster.rollout.status?.canary?.currentBackgroundAnalysisRunStatus).toBeUndefined();
    expect(cluster.analysisRuns?.[0]?.spec?.terminate).toBe(true);
  });
});

describe("abort", () => {
  it("terminates runs that are still running", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 20 }, { analysis: stepAnalysis }, { setWeight: 60 }],
      ...services,
    };
    const updated = setImage(withTemplates(healthyCanary(5, canary)), "web:2");
    let cluster = runUntil(updated, (c) => (c.analysisRuns?.length ?? 0) > 0);
    const name = runNames(cluster)[0] ?? "";
    cluster = run(abort(setRunPhase(cluster, name, "Running")), 2);
    expect(cluster.analysisRuns?.[0]?.spec?.terminate).toBe(true);
    expect(cluster.rollout.status?.canary?.currentStepAnalysisRunStatus?.name).toBe(name);
  });
});

describe("crash safety and cleanup (spec §3.2 step 8, §3.3)", () => {
  const canary: CanaryStrategy = {
    steps: [{ setWeight: 20 }, { analysis: stepAnalysis }, { setWeight: 60 }, { pause: {} }],
    ...services,
  };

  it("a run whose status write was lost is adopted, not created twice", () => {
    const updated = setImage(withTemplates(healthyCanary(5, canary)), "web:2");
    const cluster = runUntil(updated, (c) => (c.analysisRuns?.length ?? 0) > 0);
    const name = runNames(cluster)[0] ?? "";
    // The controller died after creating the run, before the Rollout status was written.
    const lost = structuredClone(cluster);
    if (lost.rollout.status?.canary !== undefined)
      delete lost.rollout.status.canary.currentStepAnalysisRunStatus;
    const next = run(setRunPhase(lost, name, "Running"), 2);
    expect(runNames(next)).toEqual([name]);
    expect(next.rollout.status?.canary?.currentStepAnalysisRunStatus).toEqual({
      name,
      status: "Running",
    });
  });

  it("a step run left behind by promote is terminated; finished runs are pruned to the limits", () => {
    const updated = setImage(
      withTemplates(healthyCanary(5, canary, { analysis: { successfulRunHistoryLimit: 1 } })),
      "web:2",
    );
    let cluster = runUntil(updated, (c) => (c.analysisRuns?.length ?? 0) > 0);
    const name = runNames(cluster)[0] ?? "";
    // The user skips the analysis step while its run is still measuring.
    cluster = setRunPhase(cluster, name, "Running");
    const status = structuredClone(cluster.rollout.status ?? {});
    status.currentStepIndex = 2;
    cluster = run({ ...cluster, rollout: { ...cluster.rollout, status } }, 2);
    expect(cluster.analysisRuns?.find((r) => r.metadata?.name === name)?.spec?.terminate).toBe(
      true,
    );
    // Two finished runs of the current ReplicaSet with a limit of one successful: the older goes.
    const older = structuredClone(cluster.analysisRuns?.[0]);
    if (older?.metadata === undefined) throw new Error("no run to copy");
    older.metadata.name = `${name}-old`;
    older.metadata.creationTimestamp = "2025-12-31T00:00:00Z";
    older.status = { phase: "Successful" };
    cluster = setRunPhase(
      { ...cluster, analysisRuns: [...(cluster.analysisRuns ?? []), older] },
      name,
      "Successful",
    );
    cluster = run(cluster, 1);
    expect(runNames(cluster)).toEqual([name]);
  });
});
