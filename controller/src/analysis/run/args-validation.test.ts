import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnalysisRunSpec, Metric } from "../../api/analysis.js";
import { templateMetric } from "./args.js";
import { planAnalysisRun } from "./plan.js";
import { analysisRun, metric, sequence, simulate, T0 } from "./test-support.js";
import { validateRunMetrics } from "./validate.js";

function planError(run: ReturnType<typeof analysisRun>, args = {}): string | undefined {
  const plan = planAnalysisRun({ run, nowMs: T0, args });
  if (plan.kind !== "invalid") return undefined;
  expect(plan.update.status.phase).toBe("Error");
  expect(plan.update.status.completedAt).toBe("2026-01-05T10:00:00Z");
  return plan.update.status.message;
}

describe("§2.2 argument templating", () => {
  const prometheus = (query: string, extra: Partial<Metric> = {}): Metric => ({
    name: "rate",
    provider: { prometheus: { address: "http://127.0.0.1:9090", query } },
    successCondition: "result[0] >= {{ args.min }}",
    ...extra,
  });

  it("substitutes args in any field, trimming the tag and JSON-escaping values", () => {
    const out = templateMetric(
      prometheus('sum(rate(x{service="{{args.service}}"}[5m]))', {
        count: "{{args.count}}",
        interval: "{{args.interval}}",
      }),
      {
        values: new Map([
          ["service", 'web"quoted\\'],
          ["min", "0.95"],
          ["count", "3"],
          ["interval", "30s"],
        ]),
        secretValues: [],
      },
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.provider.prometheus?.query).toBe('sum(rate(x{service="web"quoted\\"}[5m]))');
    expect(out.value.successCondition).toBe("result[0] >= 0.95");
    expect(out.value.count).toBe("3");
    expect(out.value.interval).toBe("30s");
  });

  it("fails on any tag that is not a known argument", () => {
    const values = { values: new Map([["min", "1"]]), secretValues: [] };
    expect(templateMetric(prometheus("up{job='{{args.job}}'}"), values)).toEqual({
      ok: false,
      error: "failed to resolve {{args.job}}",
    });
    expect(templateMetric(prometheus("{{ workflow.name }}"), values)).toEqual({
      ok: false,
      error: "failed to resolve {{workflow.name}}",
    });
  });

  it("ends the run Error when an argument has no value or its Secret is missing", () => {
    const base = { metrics: [prometheus("up")] };
    expect(planError(analysisRun({ ...base, args: [{ name: "min" }] }))).toBe(
      "Unable to resolve metric arguments: args.min was not resolved",
    );
    expect(
      planError(
        analysisRun({
          ...base,
          args: [{ name: "min", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
        }),
        { min: { error: "key 'k' does not exist in secret 's'" } },
      ),
    ).toBe("Unable to resolve metric arguments: key 'k' does not exist in secret 's'");
    expect(
      planError(
        analysisRun({
          metrics: [prometheus("{{args.other}}")],
          args: [{ name: "min", value: "1" }],
        }),
      ),
    ).toBe("Unable to resolve metric arguments: failed to resolve {{args.other}}");
  });

  it("gives providers the secret but masks it in messages and metadata", () => {
    const run = analysisRun({
      metrics: [
        metric({
          name: "web",
          provider: { web: { url: "http://127.0.0.1/?token={{args.token}}" } },
        }),
      ],
      args: [{ name: "token", valueFrom: { secretKeyRef: { name: "s", key: "token" } } }],
    });
    const args = { token: { value: "hunter2", secret: true } };
    const seen: string[] = [];
    const passes = simulate(
      run,
      (task) => {
        seen.push(JSON.stringify(task.metric));
        return { error: "GET http://127.0.0.1/?token=hunter2 failed" };
      },
      { args, maxPasses: 1 },
    );
    expect(seen[0]).toContain("token=hunter2");
    const result = passes[0]?.run.status?.metricResults?.[0];
    expect(result?.measurements?.[0]?.message).toBe("GET http://127.0.0.1/?token=***** failed");
    expect(JSON.stringify(passes[0]?.run.status)).not.toContain("hunter2");
  });

  it("uses literal values without the caller's help", () => {
    const run = analysisRun({ metrics: [prometheus("up")], args: [{ name: "min", value: "0.5" }] });
    const passes = simulate(run, sequence([{ result: [0.7] }]));
    expect(passes.at(-1)?.run.status?.phase).toBe("Successful");
  });
});

describe("§1.6 validation", () => {
  const web = (extra: Partial<Metric> & { name?: string } = {}): Metric =>
    metric({ name: "m", ...extra });

  type Rules = Pick<AnalysisRunSpec, "dryRun" | "measurementRetention">;
  const rows: [Metric[], Rules, string | undefined][] = [
    [[], {}, "at least one metric is required"],
    [[web(), web()], {}, "metrics[1]: duplicate name 'm'"],
    [
      [web({ consecutiveSuccessLimit: -1 })],
      {},
      "metrics[0]: consecutiveSuccessLimit must be >= 0",
    ],
    [[web({ failureLimit: -2 })], {}, "metrics[0]: failureLimit must be >= -1"],
    [
      [web({ failureLimit: -1 })],
      {},
      "metrics[0]: failureLimit -1 (disabled) requires consecutiveSuccessLimit > 0",
    ],
    [[web({ inconclusiveLimit: -1 })], {}, "metrics[0]: inconclusiveLimit must be >= 0"],
    [[web({ consecutiveErrorLimit: -1 })], {}, "metrics[0]: consecutiveErrorLimit must be >= 0"],
    [
      [web({ count: 2, interval: "1m", failureLimit: 2, consecutiveSuccessLimit: 1 })],
      {},
      "metrics[0]: count (2) must be >= failureLimit (2) + consecutiveSuccessLimit (1)",
    ],
    [
      [web({ count: 2, interval: "1m", failureLimit: -1, consecutiveSuccessLimit: 3 })],
      {},
      "metrics[0]: count (2) must be >= consecutiveSuccessLimit (3)",
    ],
    [
      [web({ count: 2, interval: "1m", inconclusiveLimit: 3 })],
      {},
      "metrics[0]: count (2) must be >= inconclusiveLimit (3)",
    ],
    [[web({ count: 3 })], {}, "metrics[0]: interval must be specified when count > 1 (count is 3)"],
    [
      [web({ interval: "soon" })],
      {},
      "metrics[0]: invalid interval 'soon': not a duration such as 30s or 5m",
    ],
    [
      [web({ initialDelay: "5 minutes" })],
      {},
      "metrics[0]: invalid initialDelay '5 minutes': not a duration such as 30s or 5m",
    ],
    [[web({ provider: {} })], {}, "metrics[0]: exactly one provider must be specified, found 0"],
    [
      [web({ provider: { web: {}, job: {} } })],
      {},
      "metrics[0]: exactly one provider must be specified, found 2",
    ],
    [
      [web({ provider: { plugin: { a: {}, b: {} } } })],
      {},
      "metrics[0]: exactly one provider must be specified, found 2",
    ],
    [
      [web()],
      { dryRun: [{ metricName: "other" }] },
      "dryRun[0]: Rule didn't match any metric name(s)",
    ],
    [
      [web()],
      { dryRun: [{ metricName: "m" }, { metricName: "m" }] },
      "dryRun[1]: duplicate metricName 'm'",
    ],
    [
      [web()],
      { measurementRetention: [{ metricName: "x", limit: 2 }] },
      "measurementRetention[0]: Rule didn't match any metric name(s)",
    ],
    [[web({ count: "3", interval: "1m", failureLimit: "2" })], {}, undefined],
    [
      [web({ provider: { plugin: { "acme/metrics": {} } } })],
      { dryRun: [{ metricName: ".*" }] },
      undefined,
    ],
  ];
  it.each(rows)("%j %j → %s", (metrics, rules, expected) => {
    expect(validateRunMetrics(metrics, rules)).toBe(expected);
  });

  it("makes the run Error with Analysis spec invalid", () => {
    expect(planError(analysisRun({ metrics: [web({ count: 3 })] }))).toBe(
      "Analysis spec invalid: metrics[0]: interval must be specified when count > 1 (count is 3)",
    );
  });

  it("validates the templated metric, so an arg can supply the count", () => {
    const run = analysisRun({
      metrics: [web({ count: "{{args.count}}" })],
      args: [{ name: "count", value: "2" }],
    });
    expect(planError(run)).toBe(
      "Analysis spec invalid: metrics[0]: interval must be specified when count > 1 (count is 2)",
    );
  });
});

describe("conditions that do not compile", () => {
  it("end the run Error at once, naming the metric and the position", () => {
    const run = analysisRun({
      metrics: [
        metric({ name: "ok" }),
        metric({ name: "success-rate", successCondition: "results[0] >= 0.9" }),
      ],
    });
    expect(planError(run)).toBe(
      'Analysis spec invalid: metrics[1]: successCondition of metric "success-rate" does not compile: unknown name results (1:1)',
    );
  });

  it("are checked with real argument values but never show a secret", () => {
    const run = analysisRun({
      metrics: [metric({ name: "m", failureCondition: "result > {{args.limit}}" })],
      args: [{ name: "limit", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
    });
    expect(planError(run, { limit: { value: "0.5", secret: true } })).toBeUndefined();
    const message = planError(run, { limit: { value: "0.5 )", secret: true } });
    expect(message).toContain('failureCondition of metric "m" does not compile');
    expect(message).not.toContain("0.5 )");
  });
});

describe("templating any value", () => {
  it("puts the exact value into the field, whatever characters it holds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 30 }), (value) => {
        const m: Metric = {
          name: "m",
          provider: {
            web: {
              url: "http://127.0.0.1/",
              body: "{{ args.v }}",
              headers: [{ key: "x", value: "a{{args.v}}b" }],
            },
          },
        };
        const out = templateMetric(m, { values: new Map([["v", value]]), secretValues: [] });
        if (!out.ok) throw new Error(out.error);
        expect(out.value.provider.web?.body).toBe(value);
        expect(out.value.provider.web?.headers).toEqual([{ key: "x", value: `a${value}b` }]);
      }),
      { numRuns: 300 },
    );
  });
});
