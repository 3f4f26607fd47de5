// Minimal reader for the Prometheus text format the controller's /metrics serves. Only what
// the scale benchmark needs: counters and histogram buckets, summed across label sets (the
// controller labels reconcile histograms per object by default, so there is one series per
// Rollout; summing keeps the figures independent of that choice).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses only the samples whose metric name starts with one of `prefixes` (skips the rest cheaply). */
export function parseSamples(text: string, prefixes: readonly string[]): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !prefixes.some((p) => line.startsWith(p))) continue;
    const match = LINE.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL)) {
      if (label[1] !== undefined && label[2] !== undefined) labels[label[1]] = label[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

export interface Histogram {
  /** Cumulative counts per upper bound (seconds), ascending; the last bound is +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** One histogram summed over every label set of `name`. */
export function histogram(samples: readonly Sample[], name: string): Histogram {
  const byBound = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_sum`) sum += s.value;
    else if (s.name === `${name}_count`) count += s.value;
  }
  const buckets = [...byBound.entries()]
    .map(([le, c]) => ({ le, count: c }))
    .sort((a, b) => a.le - b.le);
  return { buckets, sum, count };
}

/** after − before, bucket by bucket (both from the same process, so bounds match). */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const prior = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * Quantile estimated from cumulative buckets, interpolating linearly inside the bucket the way
 * Prometheus' histogram_quantile does. Returns the bucket's upper bound too, since with coarse
 * buckets the bound is the only hard statement ("p99 is at most X").
 */
export function quantile(h: Histogram, q: number): { estimate: number; atMost: number } {
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return { estimate: Number.NaN, atMost: Number.NaN };
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return { estimate: lowerBound, atMost: b.le };
      const inBucket = b.count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 0;
      return { estimate: lowerBound + (b.le - lowerBound) * fraction, atMost: b.le };
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return { estimate: Number.NaN, atMost: Number.NaN };
}

/** Counter totals grouped by the given label (e.g. verb), summed across the other labels. */
export function counterBy(
  samples: readonly Sample[],
  name: string,
  label: string,
  filter: (labels: Record<string, string>) => boolean = () => true,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !filter(s.labels)) continue;
    const key = s.labels[label] ?? "";
    totals.set(key, (totals.get(key) ?? 0) + s.value);
  }
  return totals;
}
