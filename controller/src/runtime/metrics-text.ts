// Prometheus text exposition written directly, for the series that grow with the number of
// objects (one or more per Rollout). prom-client keeps a label object and a hash string per
// series and formats through several intermediate arrays: at 20,000 Rollouts one scrape took
// seconds of blocked event loop and a few hundred MB of short-lived garbage. Here a scrape is
// one pass of string building that yields to the event loop between slices of objects, so
// reconcile passes keep running while Prometheus scrapes.

/** Escapes a label value as the text format requires (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
    : value;
}

/** Number formatting of the text format (what prom-client prints). */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** Objects handled between two yields to the event loop while rendering. */
const SLICE = 1000;
/** Text gathered before it is handed to the writer. */
const CHUNK_CHARS = 64 * 1024;

/** Receives the exposition in chunks; may return a promise to apply backpressure. */
export type ChunkWriter = (chunk: string) => undefined | Promise<void>;

/**
 * Writes the text of one scrape in chunks of about 64 kB. `maybeYield` lets pending I/O
 * callbacks (API answers a reconcile waits for) run every SLICE objects, and hands what has
 * gathered to the writer; `end` hands over the rest.
 */
export class TextSink {
  private buffer = "";
  private sinceYield = 0;

  constructor(private readonly write: ChunkWriter) {}

  header(name: string, help: string, type: "gauge" | "histogram" | "counter"): void {
    this.buffer += `# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n`;
    this.buffer += `# TYPE ${name} ${type}\n`;
  }

  line(text: string): void {
    this.buffer += text;
  }

  async maybeYield(): Promise<void> {
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
    this.sinceYield++;
    if (this.sinceYield < SLICE) return;
    this.sinceYield = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  end(): Promise<void> {
    return this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer === "") return;
    const chunk = this.buffer;
    this.buffer = "";
    await this.write(chunk);
  }
}

/** One histogram series: cumulative-free bucket counts (per bound) plus sum and count. */
interface Series {
  labels: string;
  /** counts[i] = observations in (bounds[i-1], bounds[i]]; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
}

/**
 * A histogram whose series are keyed by object (namespace and name), or a single series. The
 * label text of a series is built once, when the series is created; a series costs one small
 * typed array and a string, instead of prom-client's per-series objects.
 */
export class ObjectHistogram {
  private readonly series = new Map<string, Series>();
  private readonly boundLabels: string[];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
    private readonly perObject: boolean,
  ) {
    this.boundLabels = [...bounds.map((b) => sampleValue(b)), "+Inf"];
    if (!perObject) this.seriesFor("", "");
  }

  observe(namespace: string, name: string, seconds: number): void {
    const series = this.seriesFor(namespace, name);
    let slot = this.bounds.findIndex((bound) => seconds <= bound);
    if (slot < 0) slot = this.bounds.length;
    series.counts[slot] = (series.counts[slot] ?? 0) + 1;
    series.sum += seconds;
  }

  /** Series currently kept (one per object observed, or 1). */
  get size(): number {
    return this.series.size;
  }

  /** Drops an object's series (it was deleted); no-op for the single-series form. */
  forget(namespace: string, name: string): void {
    if (this.perObject) this.series.delete(`${namespace}/${name}`);
  }

  async render(sink: TextSink): Promise<void> {
    if (this.series.size === 0) return;
    sink.header(this.name, this.help, "histogram");
    for (const s of this.series.values()) {
      // Labels follow `le`, as prom-client prints them, so existing text matches stay valid.
      const rest = s.labels === "" ? "}" : `,${s.labels}}`;
      let cumulative = 0;
      let text = "";
      for (let i = 0; i < this.boundLabels.length; i++) {
        cumulative += s.counts[i] ?? 0;
        text += `${this.name}_bucket{le="${this.boundLabels[i] ?? ""}"${rest} ${cumulative}\n`;
      }
      const plain = s.labels === "" ? "" : `{${s.labels}}`;
      text += `${this.name}_sum${plain} ${sampleValue(s.sum)}\n`;
      text += `${this.name}_count${plain} ${cumulative}\n`;
      sink.line(text);
      await sink.maybeYield();
    }
  }

  private seriesFor(namespace: string, name: string): Series {
    const key = this.perObject ? `${namespace}/${name}` : "";
    let series = this.series.get(key);
    if (series === undefined) {
      const labels = this.perObject
        ? `namespace="${escapeLabelValue(namespace)}",name="${escapeLabelValue(name)}"`
        : "";
      series = { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0 };
      this.series.set(key, series);
    }
    return series;
  }
}
