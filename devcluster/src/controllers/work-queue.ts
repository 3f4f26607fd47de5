import type { Logger } from "pino";
import { ApiError } from "../api/errors.js";

/**
 * A de-duplicating queue of object keys, drained on the next turn of the event loop in
 * bounded batches so the API server keeps answering while controllers catch up.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly handler: (key: string) => void,
    private readonly log: Logger,
    private readonly batchSize = 200,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.schedule();
  }

  /** Looks at the key again after `ms` (for delays such as readiness or minReadySeconds). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.max(1, ms),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    let processed = 0;
    for (const key of this.pending) {
      if (processed++ >= this.batchSize) break;
      this.pending.delete(key);
      try {
        this.handler(key);
      } catch (error) {
        if (error instanceof ApiError && (error.reason === "Conflict" || error.code === 404)) {
          // Someone else changed the object first: look again with fresh state.
          this.addAfter(key, 20);
        } else {
          this.log.error(
            { err: error, controller: this.name, key },
            "simulated controller failed; retrying in 1 s",
          );
          this.addAfter(key, 1000);
        }
      }
    }
    if (this.pending.size > 0) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
  }
}

export function splitKey(key: string): { namespace: string; name: string } {
  const index = key.indexOf("/");
  return { namespace: key.slice(0, index), name: key.slice(index + 1) };
}
