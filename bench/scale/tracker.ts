import type { ClientRequest } from "node:http";
import { request } from "node:https";
import type { Access, BenchClient } from "../devcluster/client.js";

// Follows every Rollout of the benchmark through one watch instead of listing the collection
// once a second: at N = 20,000 a list is tens of megabytes the API server must serialise and
// this driver must parse every second, load on the same two cores the controller is measured
// on. The watch is restarted from a fresh list if the server ends it.

export interface RolloutView {
  generation: number;
  observedGeneration: string;
  phase: string;
  currentPodHash: string;
  stableRS: string;
}

export function viewOf(item: unknown): { name: string; view: RolloutView } | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const { metadata, status } = item as { metadata?: unknown; status?: unknown };
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const meta = metadata as Record<string, unknown>;
  if (typeof meta.name !== "string") return undefined;
  const st = (typeof status === "object" && status !== null ? status : {}) as Record<
    string,
    unknown
  >;
  return {
    name: meta.name,
    view: {
      generation: Number(meta.generation ?? 0),
      observedGeneration: String(st.observedGeneration ?? ""),
      phase: String(st.phase ?? ""),
      currentPodHash: String(st.currentPodHash ?? ""),
      stableRS: String(st.stableRS ?? ""),
    },
  };
}

/** Done = Healthy, this generation observed, and the promoted RS is the current one. */
export function isDone(v: RolloutView): boolean {
  return (
    v.phase === "Healthy" &&
    v.observedGeneration === String(v.generation) &&
    v.currentPodHash !== "" &&
    v.currentPodHash === v.stableRS
  );
}

/** Receives every watch event of the collection (the write audit listens here too). */
export type EventListener = (type: string, object: unknown) => void;

export class RolloutTracker {
  private readonly views = new Map<string, RolloutView>();
  private req: ClientRequest | undefined;
  private stopped = false;
  private listener: EventListener | undefined;
  /** The resourceVersion of the last list or event seen. */
  resourceVersion = "0";
  restarts = 0;

  constructor(
    private readonly access: Access,
    private readonly client: BenchClient,
    private readonly path: string,
  ) {}

  /** Lists once and starts watching; resolves when the watch is established. */
  async start(): Promise<void> {
    const reply = await this.client.send("GET", this.path);
    if (reply.status !== 200) {
      throw new Error(`list ${this.path}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
    }
    const list = JSON.parse(reply.body) as {
      items?: unknown[];
      metadata?: { resourceVersion?: string };
    };
    this.views.clear();
    for (const item of list.items ?? []) {
      const v = viewOf(item);
      if (v) this.views.set(v.name, v.view);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? "0";
    await this.watch();
  }

  /** Events from now on also go to `listener` (one listener; undefined removes it). */
  setListener(listener: EventListener | undefined): void {
    this.listener = listener;
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  /** How many Rollouts are done, the total seen, and a count per phase. */
  summary(): { done: number; total: number; phases: Record<string, number> } {
    const phases: Record<string, number> = {};
    let done = 0;
    for (const v of this.views.values()) {
      if (isDone(v)) done++;
      const key = v.phase || "(none)";
      phases[key] = (phases[key] ?? 0) + 1;
    }
    return { done, total: this.views.size, phases };
  }

  /** How many of `items` (a fresh list) are done: the watch's verdict checked independently. */
  confirm(items: readonly unknown[]): number {
    let done = 0;
    for (const item of items) {
      const v = viewOf(item);
      if (v && isDone(v.view)) done++;
    }
    return done;
  }

  private watch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = `${this.access.url}${this.path}?watch=true&allowWatchBookmarks=true&resourceVersion=${this.resourceVersion}`;
      const req = request(
        url,
        { ca: this.access.caPem, headers: { authorization: `Bearer ${this.access.token}` } },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`watch ${this.path}: HTTP ${String(res.statusCode)}`));
            res.resume();
            return;
          }
          resolve();
          let buffered = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buffered += chunk;
            let start = 0;
            let newline = buffered.indexOf("\n", start);
            while (newline >= 0) {
              const line = buffered.slice(start, newline);
              if (line.trim() !== "") this.onLine(line);
              start = newline + 1;
              newline = buffered.indexOf("\n", start);
            }
            buffered = buffered.slice(start);
          });
          res.on("error", () => undefined);
          res.on("close", () => this.restart());
        },
      );
      req.on("error", (error) => {
        if (!this.stopped) reject(error);
      });
      req.end();
      this.req = req;
    });
  }

  /** The server ended the watch: list again (never miss a change) and watch on. */
  private restart(): void {
    if (this.stopped) return;
    this.restarts++;
    this.start().catch((error: unknown) => {
      process.stderr.write(
        `rollout watch could not restart: ${error instanceof Error ? error.message : String(error)}; retrying\n`,
      );
      setTimeout(() => this.restart(), 1000);
    });
  }

  private onLine(line: string): void {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const { type, object } = (event ?? {}) as { type?: unknown; object?: unknown };
    if (typeof type !== "string") return;
    const rv = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata
      ?.resourceVersion;
    if (typeof rv === "string") this.resourceVersion = rv;
    if (type === "BOOKMARK" || type === "ERROR") return;
    const v = viewOf(object);
    if (v) {
      if (type === "DELETED") this.views.delete(v.name);
      else this.views.set(v.name, v.view);
    }
    this.listener?.(type, object);
  }
}
