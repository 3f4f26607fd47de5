import {
  counterBy,
  type Histogram,
  histogram,
  histogramDelta,
  parseSamples,
  quantile,
  type Sample,
} from "./prom.js";

// Turns two scrapes of the controller's /metrics (before and after the update) into the
// per-update figures the benchmark reports.

/** Metric name prefixes the benchmark reads; everything else in /metrics is skipped. */
const PREFIXES = [
  "rollout_reconcile",
  "controller_clientset_k8s_request",
  "plugin_call",
  "sluice_traffic_routing",
  "nodejs_eventloop_lag",
  "nodejs_gc_duration_seconds",
  "workqueue_queue_duration_seconds",
  "nodejs_heap_size_used_bytes",
];

export async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`controller /metrics: HTTP ${res.status}`);
  return parseSamples(await res.text(), PREFIXES);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Counter increase between the scrapes per `key`, divided by `per`. */
function counterDelta(
  after: readonly Sample[],
  before: readonly Sample[],
  name: string,
  key: (labels: Record<string, string>) => string,
): Map<string, number> {
  const sum = (samples: readonly Sample[]): Map<string, number> => {
    const totals = new Map<string, number>();
    for (const s of samples) {
      if (s.name !== name) continue;
      const k = key(s.labels);
      totals.set(k, (totals.get(k) ?? 0) + s.value);
    }
    return totals;
  };
  const prior = sum(before);
  const delta = new Map<string, number>();
  for (const [k, v] of sum(after)) {
    const d = v - (prior.get(k) ?? 0);
    if (d !== 0) delta.set(k, d);
  }
  return delta;
}

export interface RequestFigures {
  byVerb: Record<string, number>;
  byKindVerb: Record<string, number>;
  /** Absolute counts too: re-lists and re-watches are rare, so per rollout they round to 0. */
  totalByKindVerb: Record<string, number>;
}

export function requestDelta(after: Sample[], before: Sample[], n: number): RequestFigures {
  const delta = counterDelta(
    after,
    before,
    "controller_clientset_k8s_request_total",
    (l) => `${l.kind ?? "?"} ${l.verb ?? "?"}`,
  );
  const byVerb: Record<string, number> = {};
  const byKindVerb: Record<string, number> = {};
  const totalByKindVerb: Record<string, number> = {};
  for (const [k, d] of delta) {
    totalByKindVerb[k] = d;
    byKindVerb[k] = round2(d / n);
    const verb = k.split(" ")[1] ?? "?";
    byVerb[verb] = (byVerb[verb] ?? 0) + d / n;
  }
  for (const verb of Object.keys(byVerb)) byVerb[verb] = round2(byVerb[verb] ?? 0);
  return { byVerb, byKindVerb, totalByKindVerb };
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p50AtMostMs: number;
  p99Ms: number;
  p99AtMostMs: number;
}

export function latencySummary(h: Histogram): LatencySummary {
  const ms = (s: number): number => Math.round(s * 10000) / 10;
  const p50 = quantile(h, 0.5);
  const p99 = quantile(h, 0.99);
  return {
    count: h.count,
    meanMs: h.count > 0 ? ms(h.sum / h.count) : Number.NaN,
    p50Ms: ms(p50.estimate),
    p50AtMostMs: ms(p50.atMost),
    p99Ms: ms(p99.estimate),
    p99AtMostMs: ms(p99.atMost),
  };
}

/** One histogram's increase between the scrapes, restricted to the series `filter` accepts. */
export function histogramBetween(
  after: readonly Sample[],
  before: readonly Sample[],
  name: string,
  filter: (labels: Record<string, string>) => boolean = () => true,
): Histogram {
  const pick = (samples: readonly Sample[]): Sample[] => samples.filter((s) => filter(s.labels));
  return histogramDelta(histogram(pick(after), name), histogram(pick(before), name));
}

/**
 * Where reconcile time goes: API request latency as the controller saw it (a pass waits for
 * its writes), queue wait before a pass starts (not part of the reconcile histogram), and the
 * event loop's delay (time every pending callback waited behind other work).
 */
export function runtimeFigures(after: Sample[], before: Sample[]): Record<string, unknown> {
  const value = (name: string): number | undefined => after.find((s) => s.name === name)?.value;
  const ms = (s: number | undefined): number | undefined =>
    s === undefined ? undefined : Math.round(s * 10000) / 10;
  const gc = histogramBetween(after, before, "nodejs_gc_duration_seconds");
  return {
    apiWrites: latencySummary(
      histogramBetween(
        after,
        before,
        "controller_clientset_k8s_request_duration_seconds",
        (l) => l.verb !== "list" && l.verb !== "get" && l.verb !== "watch",
      ),
    ),
    queueWait: latencySummary(
      histogramBetween(
        after,
        before,
        "workqueue_queue_duration_seconds",
        (l) => l.name === "rollouts",
      ),
    ),
    // prom-client resets its event-loop sampler at every scrape: these cover the update only.
    eventLoopDelay: {
      meanMs: ms(value("nodejs_eventloop_lag_mean_seconds")),
      p50Ms: ms(value("nodejs_eventloop_lag_p50_seconds")),
      p99Ms: ms(value("nodejs_eventloop_lag_p99_seconds")),
      maxMs: ms(value("nodejs_eventloop_lag_max_seconds")),
    },
    gcSecondsDuringUpdate: round2(gc.sum),
    gcPauses: gc.count,
  };
}

/** Plugin calls per Rollout update by plugin and method, and their latency. */
export function pluginFigures(
  after: Sample[],
  before: Sample[],
  n: number,
): Record<string, unknown> {
  const calls = counterDelta(
    after,
    before,
    "plugin_calls_total",
    (l) => `${l.plugin ?? "?"} ${l.method ?? "?"}`,
  );
  const errors = counterDelta(
    after,
    before,
    "plugin_call_errors_total",
    (l) => `${l.plugin ?? "?"} ${l.method ?? "?"} ${l.reason ?? "?"}`,
  );
  let total = 0;
  const perUpdate: Record<string, number> = {};
  for (const [k, d] of calls) {
    perUpdate[k] = round2(d / n);
    total += d;
  }
  const latencyByPluginMethod: Record<string, LatencySummary> = {};
  for (const k of calls.keys()) {
    const [plugin, method] = k.split(" ");
    latencyByPluginMethod[k] = latencySummary(
      histogramBetween(
        after,
        before,
        "plugin_call_duration_seconds",
        (l) => l.plugin === plugin && l.method === method,
      ),
    );
  }
  const all = histogramBetween(after, before, "plugin_call_duration_seconds");
  return {
    callsPerUpdate: round2(total / n),
    callsPerUpdateByPluginMethod: perUpdate,
    pluginSecondsPerUpdate: Math.round((all.sum / n) * 10000) / 10000,
    // What traffic routing adds to one reconcile pass: its router calls, all routers in turn.
    addedPerPass: latencySummary(
      histogramBetween(after, before, "sluice_traffic_routing_pass_seconds"),
    ),
    latencyAllCalls: latencySummary(all),
    latencyByPluginMethod,
    errors: Object.fromEntries(errors),
  };
}

export { counterBy };
