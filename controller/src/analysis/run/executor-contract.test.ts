import { describe, expect, it } from "vitest";
import type { AnalysisRun, Measurement } from "../../api/analysis.js";
import {
  type AnalysisRunUpdate,
  completeAnalysisRun,
  errorOutcome,
  formatTime,
  type MeasurementTask,
  measurementPhaseFromResult,
  planAnalysisRun,
  type TaskOutcome,
} from "./index.js";
import { analysisRun, metric, T0 } from "./test-support.js";

// The shape a thin executor uses, through the public entry only: plan, call providers in
// parallel (failures become Error measurements), complete, persist, GC, requeue.

interface FakeProvider {
  run(task: MeasurementTask): Promise<Measurement>;
}

async function reconcile(
  run: AnalysisRun,
  nowMs: number,
  provider: FakeProvider,
): Promise<{ run: AnalysisRun; update: AnalysisRunUpdate | undefined; deleted: boolean }> {
  const plan = planAnalysisRun({ run, nowMs, args: {} });
  if (plan.kind === "completed") return { run, update: undefined, deleted: plan.ttl.deleteNow };
  if (plan.kind === "invalid")
    return { run: { ...run, status: plan.update.status }, update: plan.update, deleted: false };
  const outcomes: TaskOutcome[] = await Promise.all(
    plan.tasks.map(async (task) => {
      try {
        return {
          metricName: task.metricName,
          action: task.action,
          measurement: await provider.run(task),
        };
      } catch (error) {
        return errorOutcome(task, `failed to run via plugin: ${(error as Error).message}`, nowMs);
      }
    }),
  );
  const update = completeAnalysisRun({ run, context: plan.context, outcomes, nowMs });
  return { run: update.changed ? { ...run, status: update.status } : run, update, deleted: false };
}

describe("executor contract", () => {
  it("runs providers in parallel, records provider failures as errors, and completes", async () => {
    const run0 = analysisRun({
      metrics: [
        metric({ name: "latency", successCondition: "result < 200" }),
        metric({ name: "errors", successCondition: "result < 0.01" }),
      ],
      ttlStrategy: { secondsAfterSuccess: 60 },
    });
    let unreachable = true;
    const provider: FakeProvider = {
      async run(task) {
        if (task.metricName === "errors" && unreachable) {
          unreachable = false;
          throw new Error("connect ECONNREFUSED 127.0.0.1:9090");
        }
        const value = task.metricName === "latency" ? 120 : 0.001;
        const verdict = measurementPhaseFromResult(task.metric, value);
        return { phase: verdict.phase, value: String(value), finishedAt: formatTime(T0) };
      },
    };

    const first = await reconcile(run0, T0, provider);
    expect(first.run.status?.phase).toBe("Running");
    expect(
      first.run.status?.metricResults?.find((r) => r.name === "errors")?.measurements?.[0],
    ).toMatchObject({
      phase: "Error",
      message: "failed to run via plugin: connect ECONNREFUSED 127.0.0.1:9090",
    });
    expect(first.update?.requeueAfterMs).toBe(10_001);

    const second = await reconcile(first.run, T0 + 10_001, provider);
    expect(second.run.status).toMatchObject({
      phase: "Successful",
      runSummary: { count: 2, successful: 2 },
    });
    expect(second.update?.requeueAfterMs).toBeGreaterThan(60_000);

    const later = await reconcile(second.run, T0 + 10_001 + 61_000, provider);
    expect(later.deleted).toBe(true);
  });
});
