import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Metric } from "../../api/analysis.js";
import { isTerminalPhase } from "./phases.js";
import { analysisRun, type ScriptedAnswer, simulate } from "./test-support.js";

// Whatever the metric settings and whatever providers answer, the evaluation keeps its
// bookkeeping straight and a run with finite counts always ends.

const answer: fc.Arbitrary<ScriptedAnswer> = fc.oneof(
  fc.constantFrom<ScriptedAnswer>(
    { result: 1 },
    { result: 0 },
    { result: 0.5 },
    { result: null },
    { result: [] },
  ),
  fc.constant<ScriptedAnswer>({ error: "provider unreachable" }),
  fc
    .integer({ min: 0, max: 120_000 })
    .map<ScriptedAnswer>((ms) => ({ running: { resumeAfterMs: ms } })),
  fc.constant<ScriptedAnswer>({ running: {} }),
);

const metricArb = (name: string): fc.Arbitrary<Metric> =>
  fc
    .record({
      interval: fc.constantFrom(undefined, "5s", "1m"),
      count: fc.constantFrom(undefined, 1, 2, 4),
      failureLimit: fc.constantFrom(undefined, 0, 1, 3),
      inconclusiveLimit: fc.constantFrom(undefined, 0, 2),
      consecutiveErrorLimit: fc.constantFrom(undefined, 0, 2),
      initialDelay: fc.constantFrom(undefined, "10s"),
      successCondition: fc.constantFrom(undefined, "result > 0.9", "len(result) > 0"),
      failureCondition: fc.constantFrom(undefined, "result < 0.1"),
    })
    .map((fields) => {
      const m: Record<string, unknown> = { name, provider: { web: { url: "http://127.0.0.1/" } } };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) m[k] = v;
      // Keep counts finite: an interval without a count would run forever.
      if (m.interval !== undefined && m.count === undefined) m.count = 3;
      return m as Metric;
    });

const scenario = fc.record({
  metrics: fc
    .tuple(metricArb("a"), metricArb("b"), metricArb("c"))
    .chain((all) => fc.integer({ min: 1, max: 3 }).map((n) => all.slice(0, n))),
  dryRun: fc.subarray(["a", "b"]),
  answers: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.array(answer, { maxLength: 8 })),
  terminateAtPass: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

describe("AnalysisRun evaluation invariants", () => {
  it("keeps counters consistent and always ends a finite run", () => {
    fc.assert(
      fc.property(scenario, ({ metrics, dryRun, answers, terminateAtPass }) => {
        const names = new Set(metrics.map((m) => m.name));
        const run = analysisRun({
          metrics,
          dryRun: dryRun.filter((n) => names.has(n)).map((metricName) => ({ metricName })),
        });
        const passes = simulate(
          run,
          (task, _now, call) => answers[task.metricName]?.[call - 1] ?? { result: 1 },
          {
            maxPasses: 300,
            before: (r, index) =>
              index === terminateAtPass ? { ...r, spec: { ...r.spec, terminate: true } } : r,
          },
        );
        expect(passes.length).toBeGreaterThan(0);
        let seenTerminal = false;
        for (const pass of passes) {
          const status = pass.run.status;
          expect(status?.phase === "Running" || isTerminalPhase(status?.phase)).toBe(true);
          expect(seenTerminal).toBe(false);
          seenTerminal = isTerminalPhase(status?.phase);
          if (pass.update?.requeueAfterMs !== undefined)
            expect(pass.update.requeueAfterMs).toBeGreaterThanOrEqual(0);
          for (const result of status?.metricResults ?? []) {
            const {
              count = 0,
              successful = 0,
              failed = 0,
              inconclusive = 0,
              error = 0,
              consecutiveError = 0,
            } = result;
            expect(count).toBe(successful + failed + inconclusive);
            expect(consecutiveError).toBeLessThanOrEqual(error);
            expect(result.measurements?.length ?? 0).toBeLessThanOrEqual(10);
            expect(result.measurements?.length ?? 0).toBeGreaterThan(0);
          }
        }
        const final = passes.at(-1)?.run.status;
        // Every metric has a finite count, so the run ends (an Error streak or the count).
        expect(isTerminalPhase(final?.phase)).toBe(true);
        if (final?.phase === "Successful") {
          const nonDryRun = (final.metricResults ?? []).filter((r) => r.dryRun !== true);
          for (const r of nonDryRun) expect(r.phase).toBe("Successful");
        }
        if (final?.message?.startsWith("Analysis spec invalid") === true) {
          expect(final.phase).toBe("Error");
          return;
        }
        const summary = final?.runSummary ?? {};
        const dry = final?.dryRunSummary ?? {};
        expect((summary.count ?? 0) + (dry.count ?? 0)).toBe(metrics.length);
      }),
      { numRuns: 300 },
    );
  });
});
