import { describe, expect, it } from "vitest";
import type { AnalysisRun } from "../../api/analysis.js";
import { completeAnalysisRun, planAnalysisRun } from "./plan.js";
import {
  analysisRun,
  counters,
  metric,
  type ProviderScript,
  resultOf,
  sequence,
  simulate,
  T0,
} from "./test-support.js";

const pass = metric({ name: "pass", successCondition: "result > 0" });
const fail = metric({ name: "fail", successCondition: "result > 0" });

describe("§2.9 dry-run", () => {
  const script: ProviderScript = (task) => ({ result: task.metricName === "fail" ? 0 : 1 });

  it.each([
    // [dryRun rules, run phase, runSummary, dryRunSummary]
    [[{ metricName: "fail" }], "Successful", { count: 1, successful: 1 }, { count: 1, failed: 1 }],
    [[{ metricName: ".*" }], "Successful", {}, { count: 2, successful: 1, failed: 1 }],
    [[{ metricName: "pass" }], "Failed", { count: 1, failed: 1 }, { count: 1, successful: 1 }],
    [[], "Failed", { count: 2, successful: 1, failed: 1 }, {}],
  ] as const)("dryRun %j → run %s", (dryRun, phase, runSummary, dryRunSummary) => {
    const passes = simulate(analysisRun({ metrics: [pass, fail], dryRun: [...dryRun] }), script);
    const status = passes.at(-1)?.run.status;
    expect(status?.phase).toBe(phase);
    expect(status?.runSummary ?? {}).toEqual(runSummary);
    expect(status?.dryRunSummary).toEqual(dryRunSummary);
  });

  it("marks the result dryRun and words its message without the metric name", () => {
    const passes = simulate(
      analysisRun({ metrics: [pass, fail], dryRun: [{ metricName: "fail" }] }),
      script,
    );
    const result = resultOf(passes.at(-1)?.run ?? analysisRun({ metrics: [] }), "fail");
    expect(result?.dryRun).toBe(true);
    expect(result?.phase).toBe("Failed");
    expect(result?.message).toBe("Metric assessed Failed due to failed (1) > failureLimit (0)");
    expect(passes.at(-1)?.run.status?.message).toBeUndefined();
  });

  it("waits for a dry-run metric to finish", () => {
    const slow = metric({
      name: "slow",
      interval: "30s",
      count: 3,
      successCondition: "result > 0",
    });
    const passes = simulate(
      analysisRun({ metrics: [pass, slow], dryRun: [{ metricName: "slow" }] }),
      sequence([{ result: 1 }]),
    );
    expect(passes.map((p) => p.run.status?.phase)).toEqual(["Running", "Running", "Successful"]);
    expect(passes.map((p) => p.tasks)).toEqual([
      ["run:pass", "run:slow"],
      ["run:slow"],
      ["run:slow"],
    ]);
  });

  it("a failed dry-run metric does not terminate its siblings", () => {
    const slow = metric({
      name: "slow",
      interval: "30s",
      count: 2,
      successCondition: "result > 0",
    });
    const passes = simulate(
      analysisRun({ metrics: [fail, slow], dryRun: [{ metricName: "fail" }] }),
      script,
    );
    expect(passes.map((p) => p.tasks)).toEqual([["run:fail", "run:slow"], ["run:slow"]]);
    expect(passes.at(-1)?.run.status?.phase).toBe("Successful");
  });
});

describe("§2.8 termination", () => {
  const indefinite = metric({ name: "web", interval: "1m", successCondition: "result > 0" });
  const ok: ProviderScript = () => ({ result: 1 });

  it("terminate before any measurement ends Successful with Run Terminated", () => {
    const run = analysisRun({ metrics: [indefinite], terminate: true });
    const passes = simulate(run, ok);
    expect(passes).toHaveLength(1);
    expect(passes[0]?.tasks).toEqual([]);
    expect(passes[0]?.run.status).toMatchObject({ phase: "Successful", message: "Run Terminated" });
  });

  it("an indefinite metric ends Successful once terminated", () => {
    const passes = simulate(analysisRun({ metrics: [indefinite] }), ok, {
      before: (run, index) =>
        index === 3 ? { ...run, spec: { ...run.spec, terminate: true } } : run,
    });
    expect(passes.map((p) => p.tasks.length)).toEqual([1, 1, 1, 0]);
    expect(passes.at(-1)?.run.status).toMatchObject({
      phase: "Successful",
      message: "Run Terminated",
    });
    expect(
      counters(resultOf(passes.at(-1)?.run ?? analysisRun({ metrics: [] }), "web")),
    ).toMatchObject({
      phase: "Successful",
      count: 3,
    });
  });

  it("terminates an in-flight measurement; a Successful answer says Metric Terminated", () => {
    const job = metric({ name: "job" });
    const script: ProviderScript = (task) =>
      task.action === "terminate"
        ? { phase: "Successful" }
        : { running: { resumeAfterMs: 60_000 } };
    const passes = simulate(analysisRun({ metrics: [job] }), script, {
      before: (run, index) =>
        index === 1 ? { ...run, spec: { ...run.spec, terminate: true } } : run,
    });
    expect(passes.map((p) => p.tasks)).toEqual([["run:job"], ["terminate:job"]]);
    const result = resultOf(passes[1]?.run ?? analysisRun({ metrics: [] }), "job");
    expect(result?.measurements?.[0]).toMatchObject({
      phase: "Successful",
      message: "Metric Terminated",
    });
    expect(result?.measurements).toHaveLength(1);
    expect(passes[1]?.run.status?.phase).toBe("Successful");
  });

  it("a Job terminated mid-flight answers Inconclusive, so the run ends Inconclusive (Open point 9)", () => {
    const job = metric({ name: "job" });
    const script: ProviderScript = (task) =>
      task.action === "terminate"
        ? { phase: "Inconclusive" }
        : { running: { resumeAfterMs: 60_000 } };
    const passes = simulate(analysisRun({ metrics: [job] }), script, {
      before: (run, index) =>
        index === 1 ? { ...run, spec: { ...run.spec, terminate: true } } : run,
    });
    expect(passes[1]?.run.status?.phase).toBe("Inconclusive");
  });

  it("a failing metric terminates its siblings in the same reconcile", () => {
    const slow = metric({ name: "slow", interval: "1m", count: 5, successCondition: "result > 0" });
    const failing = metric({
      name: "failing",
      interval: "1m",
      count: 5,
      successCondition: "result > 0",
    });
    const script: ProviderScript = (task, _now, call) => ({
      result: task.metricName === "failing" && call === 2 ? 0 : 1,
    });
    const passes = simulate(analysisRun({ metrics: [slow, failing] }), script);
    expect(passes).toHaveLength(2);
    const status = passes[1]?.run.status;
    expect(status?.phase).toBe("Failed");
    expect(status?.message).toBe(
      'Metric "failing" assessed Failed due to failed (1) > failureLimit (0)',
    );
    expect(status?.runSummary).toEqual({ count: 2, successful: 1, failed: 1 });
    expect(resultOf(passes[1]?.run ?? analysisRun({ metrics: [] }), "slow")?.phase).toBe(
      "Successful",
    );
  });

  it("terminates the in-flight measurement of a sibling on the next pass, without waiting for resumeAt", () => {
    const job = metric({ name: "job" });
    const failing = metric({
      name: "failing",
      interval: "20s",
      count: 2,
      successCondition: "result > 0",
    });
    const script: ProviderScript = (task, _now, call) => {
      if (task.metricName === "job")
        return task.action === "terminate"
          ? { phase: "Inconclusive" }
          : { running: { resumeAfterMs: 600_000 } };
      return { result: call === 2 ? 0 : 1 };
    };
    const passes = simulate(analysisRun({ metrics: [job, failing] }), script);
    expect(passes.map((p) => p.tasks)).toEqual([
      ["run:job", "run:failing"],
      ["run:failing"],
      ["terminate:job"],
    ]);
    expect(passes[1]?.update?.requeueAfterMs).toBe(1_000);
    expect(passes.at(-1)?.run.status?.phase).toBe("Failed");
  });
});

describe("§2.3 scheduling", () => {
  it("initialDelay waits a pass for startedAt, then until startedAt + delay", () => {
    const delayed = metric({ name: "d", initialDelay: "30s", successCondition: "result > 0" });
    const passes = simulate(analysisRun({ metrics: [delayed] }), sequence([{ result: 1 }]));
    expect(passes.map((p) => p.tasks)).toEqual([[], ["run:d"]]);
    expect(passes[0]?.run.status).toMatchObject({
      phase: "Running",
      startedAt: "2026-01-05T10:00:00Z",
    });
    expect(passes[0]?.update?.requeueAfterMs).toBe(30_000);
    expect(passes[1]?.atMs).toBe(T0 + 30_000);
    expect(passes[1]?.run.status?.phase).toBe("Successful");
  });

  it("resumes an in-flight measurement at resumeAt, not before", () => {
    const job = metric({ name: "job", successCondition: "result > 0" });
    const script: ProviderScript = (_task, _now, call) =>
      call < 3 ? { running: { resumeAfterMs: 20_000 } } : { result: 1 };
    const passes = simulate(analysisRun({ metrics: [job] }), script);
    expect(passes.map((p) => [p.atMs - T0, p.tasks])).toEqual([
      [0, ["run:job"]],
      [20_000, ["resume:job"]],
      [40_000, ["resume:job"]],
    ]);
    const result = resultOf(passes[2]?.run ?? analysisRun({ metrics: [] }), "job");
    expect(result?.measurements).toHaveLength(1);
    expect(result?.measurements?.[0]).toMatchObject({
      phase: "Successful",
      startedAt: "2026-01-05T10:00:00Z",
    });
    expect(result?.measurements?.[0]?.resumeAt).toBeUndefined();
  });

  it("takes no measurement before the interval has passed", () => {
    const m = metric({ name: "m", interval: "1m", count: 2, successCondition: "result > 0" });
    const run = simulate(analysisRun({ metrics: [m] }), sequence([{ result: 1 }]), {
      maxPasses: 1,
    })[0]?.run;
    if (run === undefined) throw new Error("no pass");
    for (const [offset, expected] of [
      [59_000, 0],
      [60_000, 0],
      [60_500, 1],
    ] as const) {
      const plan = planAnalysisRun({ run, nowMs: T0 + offset, args: {} });
      expect(plan.kind === "measure" ? plan.tasks.length : -1).toBe(expected);
    }
  });

  it("does not write the status when nothing changed", () => {
    const m = metric({ name: "m", interval: "1m", count: 2, successCondition: "result > 0" });
    const run = simulate(analysisRun({ metrics: [m] }), sequence([{ result: 1 }]), {
      maxPasses: 1,
    })[0]?.run as AnalysisRun;
    const plan = planAnalysisRun({ run, nowMs: T0 + 5_000, args: {} });
    if (plan.kind !== "measure") throw new Error(plan.kind);
    const update = completeAnalysisRun({
      run,
      context: plan.context,
      outcomes: [],
      nowMs: T0 + 5_000,
    });
    expect(update.changed).toBe(false);
    expect(update.requeueAfterMs).toBe(55_001);
  });
});

describe("§2.10 measurement retention", () => {
  it("keeps 10 measurements by default and asks the provider to garbage-collect", () => {
    const m = metric({ name: "m", interval: "1s", count: 12, successCondition: "result > 0" });
    const passes = simulate(analysisRun({ metrics: [m] }), sequence([{ result: 1 }]));
    expect(passes).toHaveLength(12);
    expect(passes[9]?.update?.garbageCollect).toEqual([]);
    expect(passes[10]?.update?.garbageCollect).toEqual([{ metricName: "m", metric: m, limit: 10 }]);
    const result = resultOf(passes[11]?.run ?? analysisRun({ metrics: [] }), "m");
    expect(result?.measurements).toHaveLength(10);
    expect(result?.count).toBe(12);
  });

  it("a matching rule with limit > 0 replaces the default", () => {
    const m = metric({
      name: "http-errors",
      interval: "1s",
      count: 4,
      successCondition: "result > 0",
    });
    const passes = simulate(
      analysisRun({ metrics: [m], measurementRetention: [{ metricName: "error", limit: 2 }] }),
      sequence([{ result: 1 }]),
    );
    expect(
      resultOf(passes.at(-1)?.run ?? analysisRun({ metrics: [] }), "http-errors")?.measurements,
    ).toHaveLength(2);
    expect(passes[2]?.update?.garbageCollect).toEqual([
      { metricName: "http-errors", metric: m, limit: 2 },
    ]);
  });
});
